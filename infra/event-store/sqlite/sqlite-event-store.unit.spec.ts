import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventStoreContract } from '../contract.js';
import { openLogReader } from './log-reader.js';
import { sqliteEventStore } from './sqlite-event-store.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'parley-es-')), 'events.db');

eventStoreContract('sqlite (writer thread)', async () => sqliteEventStore({ file: tempFile() }));
eventStoreContract('sqlite (inline writer)', async () => sqliteEventStore({ file: tempFile(), writer: 'inline' }));

describe('sqlite event store', () => {
  it('keeps what it acknowledged across a reopen of the file', async () => {
    const file = tempFile();
    const first = sqliteEventStore({ file });
    const ack = await first.append('room-1', [{ id: randomUUID(), type: 'RoomCreated', data: { name: 'x' } }], 'no_stream');
    await first.close();
    const second = sqliteEventStore({ file });
    expect(await second.headPosition()).toBe(ack.position);
    expect((await second.readStream('room-1')).map((e) => e.type)).toEqual(['RoomCreated']);
    await second.close();
  });

  it('commits appends of one tick together (group commit) without mixing their outcomes', async () => {
    const store = sqliteEventStore({ file: tempFile() });
    await store.append('s', [{ id: randomUUID(), type: 'A', data: {} }], 'no_stream');
    const results = await Promise.allSettled([
      store.append('s', [{ id: randomUUID(), type: 'B', data: {} }], 0),
      store.append('s', [{ id: randomUUID(), type: 'C', data: {} }], 0),
      store.append('t', [{ id: randomUUID(), type: 'D', data: {} }], 'no_stream'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    await store.close();
  });

  it("reads a range of the log from another connection, each event's data as the stored text, decoded on first use", async () => {
    const file = tempFile();
    const store = sqliteEventStore({ file });
    const data = { text: 'héllo', n: 1.5, nested: { list: [1, null, 'x'] } };
    await store.append('room-1', [{ id: randomUUID(), type: 'A', data, metadata: { by: 'test' } }], 'no_stream');
    await store.append('room-2', [{ id: randomUUID(), type: 'B', data: { k: 1 } }], 'no_stream');
    const log = openLogReader(file);
    const [first, second, ...rest] = log.readRange(0, 2);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ stream: 'room-1', revision: 0, position: 1, type: 'A', dataJson: JSON.stringify(data) });
    expect(first!.data).toEqual(data);
    expect(first!.metadata).toEqual({ by: 'test' });
    expect(first!.data).toBe(first!.data); // decoded once
    expect(second).toMatchObject({ stream: 'room-2', position: 2, data: { k: 1 }, metadata: {} });
    expect(log.readRange(1, 2).map((e) => e.position)).toEqual([2]);
    log.close();
    await store.close();
  });
});
