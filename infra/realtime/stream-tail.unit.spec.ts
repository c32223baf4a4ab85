import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { loadTail, streamHead } from './stream-tail.js';

describe('streamHead / loadTail', () => {
  it('finds the last revision of streams of any length, and reads the tail', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    expect(await streamHead(store, 's-empty')).toBe(-1);
    for (const n of [1, 2, 3, 64, 65, 100]) {
      const stream = `s-${n}`;
      for (let i = 0; i < n; i++) await store.append(stream, [{ id: randomUUID(), type: 'E', data: { i } }], 'any');
      await store.append('other', [{ id: randomUUID(), type: 'E', data: {} }], 'any');
      expect(await streamHead(store, stream)).toBe(n - 1);
    }
    const tail = await loadTail(store, 's-100', 10);
    expect(tail.head).toBe(99);
    expect(tail.from).toBe(90);
    expect(tail.events.map((e) => e.revision)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect((await loadTail(store, 's-3', 10)).events.map((e) => e.revision)).toEqual([0, 1, 2]);
    expect(await loadTail(store, 's-empty', 10)).toEqual({ head: -1, from: 0, events: [] });
    await store.close();
  });
});
