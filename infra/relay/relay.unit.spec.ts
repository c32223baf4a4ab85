import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inprocBus } from '../bus/inproc-bus.js';
import { memoryCheckpoints } from '../checkpoints/index.js';
import { encodeStoredEvent, type EncodedEvent, type EventStore, type StoredEvent } from '../event-store/port.js';
import { pollingSubscription } from '../event-store/subscription.js';
import { sqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { startRelay } from './relay.js';

const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('relay', () => {
  it('publishes the whole log in order, then live appends, and resumes from its checkpoint', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const bus = inprocBus();
    const checkpoints = memoryCheckpoints();
    const seen: StoredEvent[] = [];
    await bus.subscribe({ group: 'test' }, (batch) => {
      seen.push(...batch);
    });
    for (let i = 0; i < 5; i++) await store.append(`room-${i % 2}`, [{ id: randomUUID(), type: 'E', data: { i } }], 'any');

    const relay = await startRelay({ store, bus, checkpoints, pollMs: 10 });
    await until(() => seen.length === 5);
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: { i: 5 } }], 'any');
    await until(() => seen.length === 6);
    await relay.stop();
    expect(await checkpoints.load('relay')).toBe(6);

    await store.append('room-1', [{ id: randomUUID(), type: 'E', data: { i: 6 } }], 'any');
    const again = await startRelay({ store, bus, checkpoints, pollMs: 10 });
    await until(() => seen.length === 7);
    await again.stop();
    expect(seen.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(seen.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await store.close();
  });
  it('writes its checkpoint at most every checkpointEveryMs while busy, and the last position after a pause', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const bus = inprocBus();
    const saves: number[] = [];
    const inner = memoryCheckpoints();
    const checkpoints = { load: (n: string) => inner.load(n), save: async (n: string, p: number) => (saves.push(p), inner.save(n, p)) };
    let seen = 0;
    await bus.subscribe({ group: 'test' }, (batch) => {
      seen += batch.length;
    });
    const relay = await startRelay({ store, bus, checkpoints, pollMs: 10, checkpointEveryMs: 200 });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      await store.append('room-0', [{ id: randomUUID(), type: 'E', data: { i } }], 'any');
      await until(() => seen === i + 1);
    }
    // 20 batches, each published on its own: one save per 200 ms they took (however slow the machine), not 20.
    expect(saves.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 200) + 1);
    expect(saves.length).toBeLessThan(20);
    // The trailing save catches up once the burst is over.
    await until(() => saves.at(-1) === 20, 2000);
    expect(relay.position()).toBe(20);
    await relay.stop();
    expect(await inner.load('relay')).toBe(20);
    await store.close();
  });

  it('publishes the next batches while a slow checkpoint write is under way', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const bus = inprocBus();
    const inner = memoryCheckpoints();
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let writes = 0;
    // The first write hangs until released; the later ones are instant.
    const checkpoints = {
      load: (n: string) => inner.load(n),
      save: async (n: string, p: number) => {
        if (++writes === 1) await held;
        await inner.save(n, p);
      },
    };
    let seen = 0;
    await bus.subscribe({ group: 'test' }, (batch) => {
      seen += batch.length;
    });
    const relay = await startRelay({ store, bus, checkpoints, pollMs: 10, checkpointEveryMs: 0 });
    for (let i = 0; i < 5; i++) {
      await store.append('room-0', [{ id: randomUUID(), type: 'E', data: { i } }], 'any');
      await until(() => seen === i + 1);
    }
    expect(await inner.load('relay')).toBe(0);
    release();
    await until(() => relay.position() === 5);
    await relay.stop();
    expect(await inner.load('relay')).toBe(5);
    await store.close();
  });

  it('a checkpoint write that fails is tried again by the next save, and publishing goes on', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const bus = inprocBus();
    const inner = memoryCheckpoints();
    let fail = true;
    const checkpoints = {
      load: (n: string) => inner.load(n),
      save: async (n: string, p: number) => {
        if (fail) throw new Error('disk full');
        await inner.save(n, p);
      },
    };
    let seen = 0;
    await bus.subscribe({ group: 'test' }, (batch) => {
      seen += batch.length;
    });
    const relay = await startRelay({ store, bus, checkpoints, pollMs: 10, checkpointEveryMs: 0 });
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: { i: 0 } }], 'any');
    await until(() => seen === 1);
    fail = false;
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: { i: 1 } }], 'any');
    await until(() => seen === 2);
    await relay.stop();
    expect(await inner.load('relay')).toBe(2);
    await store.close();
  });
  it("reports each event's age once the bus has acknowledged it", async () => {
    // The writer's clock runs 5 s behind, so every event is at least 5 s old when published.
    const store = sqliteEventStore({ file: ':memory:', now: () => Date.now() - 5000 });
    const inner = inprocBus();
    let acknowledged = 0;
    const ages: number[] = [];
    // A bus that takes 50 ms to acknowledge: no age may be reported before it has.
    const bus = {
      ...inner,
      publish: async (events: StoredEvent[]) => {
        expect(ages).toHaveLength(acknowledged);
        await new Promise((r) => setTimeout(r, 50));
        await inner.publish(events);
        acknowledged += events.length;
      },
    };
    await store.append('room-0', [1, 2, 3].map((i) => ({ id: randomUUID(), type: 'E', data: { i } })), 'any');
    const relay = await startRelay({ store, bus, checkpoints: memoryCheckpoints(), pollMs: 10, observeEventAge: (ms) => ages.push(ms) });
    await until(() => ages.length === 3);
    await store.append('room-1', [{ id: randomUUID(), type: 'E', data: { i: 4 } }], 'any');
    await until(() => ages.length === 4);
    await relay.stop();
    expect(acknowledged).toBe(4);
    for (const age of ages) {
      // 50 ms of acknowledgement, less the 1 ms by which a timer may fire early as Date.now counts
      // (a CI run measured 5049).
      expect(age).toBeGreaterThanOrEqual(5049);
      expect(age).toBeLessThan(5000 + 2000);
    }
    await store.close();
  });
  it('gives a slow bus every event once, in order, one publish at a time', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const inner = inprocBus();
    const positions: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const bus = {
      ...inner,
      publish: async (events: StoredEvent[]) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        positions.push(...events.map((e) => e.position));
        inFlight--;
      },
    };
    const relay = await startRelay({ store, bus, checkpoints: memoryCheckpoints(), pollMs: 10 });
    for (let i = 0; i < 50; i++) {
      await store.append(`room-${i % 3}`, [{ id: randomUUID(), type: 'E', data: { i } }], 'any');
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    await until(() => positions.length === 50);
    await relay.stop();
    expect(positions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(mostInFlight).toBe(1);
    expect(relay.position()).toBe(50);
    await store.close();
  });
  it('ends when a publish fails for good, without moving its position', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const bus = { ...inprocBus(), publish: async () => Promise.reject(new Error('broker gone for good')) };
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: {} }], 'any');
    const relay = await startRelay({ store, bus, checkpoints: memoryCheckpoints(), pollMs: 10 });
    const moved = relay.moved();
    await expect(relay.done).rejects.toThrow('broker gone for good');
    expect(relay.position()).toBe(0);
    expect(relay.failure()?.message).toBe('broker gone for good');
    expect(relay.running()).toBe(false);
    // Whoever waited for it to move is let go: it will not move again.
    await expect(moved).resolves.toBeUndefined();
    await expect(relay.moved()).resolves.toBeUndefined();
    await relay.stop();
    await store.close();
  });

  it('reads again after a failed read of the log, says so, and publishes every event once', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    let failuresLeft = 2;
    const flakyReadAll = async (after: number, limit: number) => {
      if (failuresLeft-- > 0) throw new Error('Connection terminated unexpectedly');
      return store.readAll(after, limit);
    };
    const flaky: EventStore = { ...store, subscribeToAll: (after, handler, options) => pollingSubscription(flakyReadAll, () => () => undefined, after, handler, { ...options, pollMs: 10 }) };
    const bus = inprocBus();
    const published: number[] = [];
    await bus.subscribe({ group: 'test' }, (batch) => void published.push(...batch.map((e) => e.position)));
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: {} }, { id: randomUUID(), type: 'E', data: {} }], 'any');
    const readErrors: number[] = [];
    const relay = await startRelay({ store: flaky, bus, checkpoints: memoryCheckpoints(), onReadError: (_error, failures) => readErrors.push(failures) });
    await until(() => published.length === 2);
    expect(published).toEqual([1, 2]);
    expect(readErrors).toEqual([1, 2]);
    expect(relay.running()).toBe(true);
    expect(relay.failure()).toBeNull();
    await relay.stop();
    await store.close();
  });

  it('settles moved() when the position moves, and reports no failure once stopped on purpose', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const relay = await startRelay({ store, bus: inprocBus(), checkpoints: memoryCheckpoints(), pollMs: 10 });
    const moved = relay.moved();
    expect(relay.moved()).toBe(moved);
    let settled = false;
    void moved.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBe(false);
    await store.append('room-0', [{ id: randomUUID(), type: 'E', data: {} }], 'any');
    await moved;
    expect(relay.position()).toBe(1);
    expect(relay.moved()).not.toBe(moved);
    expect(relay.running()).toBe(true);
    const pending = relay.moved();
    await relay.stop();
    expect(relay.running()).toBe(false);
    expect(relay.failure()).toBeNull();
    await expect(pending).resolves.toBeUndefined();
    await store.close();
  });

  describe('forwarding encoded events', () => {
    /** A SQLite store that also offers its log as JSON text, as the PostgreSQL store does. */
    const encodingStore = (): EventStore => {
      const store = sqliteEventStore({ file: ':memory:' });
      const readEncoded = async (after: number, limit: number) => (await store.readAll(after, limit)).map(encodeStoredEvent);
      return { ...store, subscribeToAllEncoded: (after, handler, options) => pollingSubscription(readEncoded, () => () => undefined, after, handler, { ...options, pollMs: 5 }) };
    };
    /** An in-process bus that records what it was handed, and how. */
    const recordingBus = () => {
      const inner = inprocBus();
      const handed = { objects: 0, encoded: [] as EncodedEvent[] };
      const bus = {
        ...inner,
        publish: async (events: readonly StoredEvent[]) => {
          handed.objects += events.length;
          await inner.publish(events);
        },
        publishEncoded: async (events: readonly EncodedEvent[]) => {
          handed.encoded.push(...events);
          await inner.publish(events.map((e) => JSON.parse(e.json) as StoredEvent));
        },
      };
      return { bus, handed };
    };

    it('hands the bus the log as the store encoded it when both can, never parsed, with ages and checkpoint as usual', async () => {
      const store = encodingStore();
      const { bus, handed } = recordingBus();
      const seen: StoredEvent[] = [];
      await bus.subscribe({ group: 'test' }, (batch) => void seen.push(...batch));
      for (let i = 0; i < 5; i++) await store.append(`room-${i % 2}`, [{ id: randomUUID(), type: 'E', data: { i } }], 'any');
      const checkpoints = memoryCheckpoints();
      const ages: number[] = [];
      const relay = await startRelay({ store, bus, checkpoints, pollMs: 10, observeEventAge: (ms) => ages.push(ms) });
      await until(() => seen.length === 5);
      await relay.stop();
      expect(handed.objects).toBe(0);
      expect(handed.encoded.map((e) => [e.position, e.stream])).toEqual([[1, 'room-0'], [2, 'room-1'], [3, 'room-0'], [4, 'room-1'], [5, 'room-0']]);
      // The same events, but for `dataJson`: the store's own copy of each event's data as text.
      expect(seen).toEqual((await store.readAll(0, 10)).map(({ dataJson: _, ...event }) => event));
      expect(ages).toHaveLength(5);
      expect(await checkpoints.load('relay')).toBe(5);
      await store.close();
    });

    it('publishes events as objects when the bus cannot take them encoded', async () => {
      const store = encodingStore();
      const { bus, handed } = recordingBus();
      const { publishEncoded: _unused, ...objectsOnly } = bus;
      await store.append('room-0', [{ id: randomUUID(), type: 'E', data: {} }], 'any');
      const relay = await startRelay({ store, bus: objectsOnly, checkpoints: memoryCheckpoints(), pollMs: 10 });
      await until(() => relay.position() === 1);
      await relay.stop();
      expect([handed.objects, handed.encoded.length]).toEqual([1, 0]);
      await store.close();
    });
  });
});
