import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type StoredEvent } from './port.js';

/**
 * The behaviour every event store adapter must show. An adapter's spec calls this with a
 * factory that opens a fresh, empty store.
 */
export function eventStoreContract(name: string, open: () => Promise<EventStore>): void {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const event = (type = 'Something', data: unknown = { n: 1 }): NewEvent => ({ id: randomUUID(), type, data });
    const stream = () => `test-${randomUUID()}`;

    it('appends to a new stream and reads it back in order', async () => {
      const s = stream();
      const result = await store.append(s, [event('A', { a: 1 }), event('B', { b: [1, 2] })], 'no_stream');
      expect(result.lastRevision).toBe(1);
      expect(result.duplicate).toBe(false);
      const read = await store.readStream(s);
      expect(read.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['A', 0, { a: 1 }],
        ['B', 1, { b: [1, 2] }],
      ]);
      expect(read[1]!.position).toBe(result.position);
      expect(read[0]!.position).toBeLessThan(read[1]!.position);
      expect(read[0]!.stream).toBe(s);
      expect(typeof read[0]!.recordedAt).toBe('number');
    });

    it('keeps metadata', async () => {
      const s = stream();
      await store.append(s, [{ ...event(), metadata: { actor: 'discord:1', correlationId: 'c' } }], 'any');
      const [read] = await store.readStream(s);
      expect(read!.metadata).toEqual({ actor: 'discord:1', correlationId: 'c' });
    });

    it('keeps any character of a payload exactly, a NUL and the text \\u0000 included', async () => {
      const s = stream();
      const odd = `nul:\u0000 text:\\u0000 quote:" backslash:\\ line:\u2028 astral:😀`;
      const data = { text: odd, [`key\u0000`]: [odd, null, 1.5] };
      const metadata = { actor: odd };
      await store.append(s, [{ ...event(), data, metadata }], 'any');
      const [read] = await store.readStream(s);
      expect(read!.data).toEqual(data);
      expect(read!.metadata).toEqual(metadata);
      expect((await store.readAll(read!.position - 1, 1))[0]!.data).toEqual(data);
    });

    it('reads an unknown stream as empty', async () => {
      expect(await store.readStream(stream())).toEqual([]);
    });

    it('rejects a wrong expected revision and appends nothing', async () => {
      const s = stream();
      await store.append(s, [event()], 'no_stream');
      await expect(store.append(s, [event()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(s, [event()], 5)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(store.append(stream(), [event()], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('accepts the right expected revision, stream_exists and any', async () => {
      const s = stream();
      await store.append(s, [event()], 'no_stream');
      await store.append(s, [event()], 0);
      await store.append(s, [event()], 'stream_exists');
      const r = await store.append(s, [event()], 'any');
      expect(r.lastRevision).toBe(3);
      expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    });

    it('lets exactly one of two racing writers win the same expected revision', async () => {
      const s = stream();
      await store.append(s, [event()], 'no_stream');
      const results = await Promise.allSettled([store.append(s, [event()], 0), store.append(s, [event()], 0)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('is idempotent by event id: a retried append returns the first result and adds nothing', async () => {
      const s = stream();
      const events = [event('A'), event('B')];
      const first = await store.append(s, events, 'no_stream');
      const retry = await store.append(s, events, 'no_stream');
      expect(retry).toEqual({ ...first, duplicate: true });
      expect(await store.readStream(s)).toHaveLength(2);
      expect(await store.headPosition()).toBe(first.position);
    });

    it('reads a stream from a revision, with a limit and a type filter', async () => {
      const s = stream();
      await store.append(s, [event('A'), event('B'), event('A'), event('C'), event('A')], 'no_stream');
      expect((await store.readStream(s, { fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 3, 4]);
      expect((await store.readStream(s, { fromRevision: 1, limit: 2 })).map((e) => e.revision)).toEqual([1, 2]);
      expect((await store.readStream(s, { types: ['A'] })).map((e) => e.revision)).toEqual([0, 2, 4]);
      // The limit counts events of the wanted types, from the given revision.
      expect((await store.readStream(s, { types: ['A', 'C'], fromRevision: 1, limit: 2 })).map((e) => e.revision)).toEqual([2, 3]);
      expect(await store.readStream(s, { types: ['Z'] })).toEqual([]);
    });

    it('orders all streams by one global position', async () => {
      const start = await store.headPosition();
      const a = stream();
      const b = stream();
      await store.append(a, [event('A1')], 'any');
      await store.append(b, [event('B1')], 'any');
      await store.append(a, [event('A2')], 'any');
      const all = await store.readAll(start, 100);
      expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
      expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((x, y) => x - y));
      expect(await store.headPosition()).toBe(all[2]!.position);
      expect((await store.readAll(all[0]!.position, 1)).map((e) => e.type)).toEqual(['B1']);
    });

    it('keeps every append of many concurrent writers, each stream gapless', async () => {
      const start = await store.headPosition();
      const streams = Array.from({ length: 8 }, stream);
      await Promise.all(
        Array.from({ length: 64 }, (_, i) => store.append(streams[i % streams.length]!, [event('W', { i })], 'any')),
      );
      const all = await store.readAll(start, 1000);
      expect(all).toHaveLength(64);
      for (const s of streams) {
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      }
    });

    it('subscribes to all: catches up from a position, then follows live appends in order', async () => {
      const start = await store.headPosition();
      const s = stream();
      await store.append(s, [event('Old1'), event('Old2')], 'any');
      const seen: StoredEvent[] = [];
      let resolveDone!: () => void;
      const enough = new Promise<void>((r) => (resolveDone = r));
      const sub = store.subscribeToAll(
        start,
        (batch) => {
          seen.push(...batch.filter((e) => e.stream === s));
          if (seen.length >= 4) resolveDone();
        },
        { pollMs: 20 },
      );
      await store.append(s, [event('New1')], 'any');
      await store.append(s, [event('New2')], 'any');
      await enough;
      sub.close();
      await sub.done;
      expect(seen.map((e) => e.type)).toEqual(['Old1', 'Old2', 'New1', 'New2']);
    });

    it('stops a subscription whose handler throws, and says why', async () => {
      await store.append(stream(), [event()], 'any');
      const sub = store.subscribeToAll(0, () => {
        throw new Error('projector broke');
      }, { pollMs: 20 });
      await expect(sub.done).rejects.toThrow('projector broke');
    });
  });
}
