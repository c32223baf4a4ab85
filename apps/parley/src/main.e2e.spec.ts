import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('npm start refuses PARLEY_PROFILE=cluster, naming npm run cluster, and starts nothing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-main-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts')], {
      env: { ...process.env, PARLEY_PROFILE: 'cluster', PARLEY_DATA_DIR: dataDir, PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('npm run cluster');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 70_000);
