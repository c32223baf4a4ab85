import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteCheckpoints } from './sqlite-checkpoints.js';

const tempDirs: string[] = [];
// In a folder that does not exist yet, as in a fresh PARLEY_DATA_DIR.
function tempCheckpointFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-checkpoints-'));
  tempDirs.push(dir);
  return join(dir, 'relay', 'checkpoints.db');
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('sqliteCheckpoints', () => {
  it('starts at position 0 for a name never saved', async () => {
    const store = sqliteCheckpoints(tempCheckpointFile());
    expect(await store.load('relay')).toBe(0);
    store.close();
  });

  it('loads, after a close and reopen of the same file, the position saved before', async () => {
    const file = tempCheckpointFile();
    const before = sqliteCheckpoints(file);
    await before.save('relay', 1234);
    before.close();

    const after = sqliteCheckpoints(file);
    expect(await after.load('relay')).toBe(1234);
    after.close();
  });

  it('keeps only the latest save of a name, and each name apart', async () => {
    const file = tempCheckpointFile();
    const before = sqliteCheckpoints(file);
    await before.save('relay', 10);
    await before.save('projector', 7);
    await before.save('relay', 25);
    before.close();

    const after = sqliteCheckpoints(file);
    expect(await after.load('relay')).toBe(25);
    expect(await after.load('projector')).toBe(7);
    after.close();
  });
});
