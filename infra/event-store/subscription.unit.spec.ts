import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from './port.js';
import { onEmit, pollingSubscription } from './subscription.js';

/** An in-memory log whose reads are counted, with the append emitter the adapters use. */
function memoryLog() {
  const events: StoredEvent[] = [];
  const appended = new EventEmitter();
  const log = {
    reads: 0,
    events,
    appended,
    readAll: async (after: number, limit: number) => {
      log.reads++;
      return events.filter((e) => e.position > after).slice(0, limit);
    },
    append(count: number, { notify = true } = {}) {
      for (let i = 0; i < count; i++) {
        const position = events.length + 1;
        events.push({ id: `e${position}`, stream: 's', revision: position - 1, position, type: 'T', data: {}, metadata: {}, recordedAt: 0 });
      }
      if (notify) appended.emit('appended');
    },
  };
  return log;
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('pollingSubscription', () => {
  it('reads the log once per append once caught up — no read that finds it empty', async () => {
    const log = memoryLog();
    const seen: number[] = [];
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), { pollMs: 60_000 });
    await until(() => log.reads === 1, 'the first (empty) read');
    for (let i = 0; i < 5; i++) {
      log.append(1);
      await until(() => seen.length === i + 1, `event ${i + 1}`);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(log.reads).toBe(1 + 5);
    sub.close();
    await sub.done;
  });

  it('misses nothing appended while the handler runs', async () => {
    const log = memoryLog();
    const seen: number[] = [];
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, async (batch) => {
      seen.push(...batch.map((e) => e.position));
      // Appended (and announced) after this batch was read, before the handler returns.
      if (seen.length === 1) log.append(2);
      await new Promise((r) => setTimeout(r, 5));
    }, { pollMs: 60_000 });
    log.append(1);
    await until(() => seen.length === 3, 'the events appended during the handler');
    expect(seen).toEqual([1, 2, 3]);
    sub.close();
    await sub.done;
  });

  it('reads on without waiting while catching up in full batches', async () => {
    const log = memoryLog();
    log.append(25, { notify: false });
    const seen: number[] = [];
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), { pollMs: 60_000, batchSize: 10 });
    await until(() => seen.length === 25, 'the whole backlog');
    expect(log.reads).toBe(3);
    sub.close();
    await sub.done;
  });

  it('finds an append whose notification was lost at the next poll', async () => {
    const log = memoryLog();
    const seen: number[] = [];
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), { pollMs: 30 });
    log.append(1);
    await until(() => seen.length === 1, 'the announced event');
    log.append(1, { notify: false });
    await until(() => seen.length === 2, 'the unannounced event, by polling');
    expect(seen).toEqual([1, 2]);
    sub.close();
    await sub.done;
  });
  it('with minIntervalMs, reads at most once per interval however often appends wake it, and misses nothing', async () => {
    const log = memoryLog();
    const seen: number[] = [];
    const readAt: number[] = [];
    const readAll = (after: number, limit: number) => {
      readAt.push(Date.now());
      return log.readAll(after, limit);
    };
    const sub = pollingSubscription(readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), { pollMs: 60_000, minIntervalMs: 40 });
    await until(() => log.reads === 1, 'the first (empty) read');
    const started = Date.now();
    // An append every 2 ms for 200 ms: a read per append would be about 100 reads.
    while (Date.now() - started < 200) {
      log.append(1);
      await new Promise((r) => setTimeout(r, 2));
    }
    const appended = log.events.length;
    await until(() => seen.length === appended, 'every event');
    expect(seen).toEqual(Array.from({ length: appended }, (_, i) => i + 1));
    expect(log.reads).toBeLessThanOrEqual(1 + Math.ceil(250 / 40) + 1);
    for (let i = 1; i < readAt.length; i++) expect(readAt[i]! - readAt[i - 1]!).toBeGreaterThanOrEqual(39);
    sub.close();
    await sub.done;
  });

  it('with minIntervalMs, closing during the wait ends the subscription at once, without another read', async () => {
    const log = memoryLog();
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, () => undefined, { pollMs: 60_000, minIntervalMs: 10_000 });
    await until(() => log.reads === 1, 'the first (empty) read');
    log.append(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.reads).toBe(1);
    sub.close();
    const closed = Date.now();
    await sub.done;
    expect(log.reads).toBe(1);
    expect(Date.now() - closed).toBeLessThan(1000);
  });
  it('with minIntervalMs, catches up in full batches without waiting', async () => {
    const log = memoryLog();
    log.append(50, { notify: false });
    const seen: number[] = [];
    const started = Date.now();
    const sub = pollingSubscription(log.readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), { batchSize: 10, pollMs: 60_000, minIntervalMs: 1000 });
    await until(() => seen.length === 50, 'the 50 events');
    expect(Date.now() - started).toBeLessThan(500);
    sub.close();
    await sub.done;
  });

  it('reads again after a failed read, with growing pauses, and delivers everything once; a throwing handler still ends it', async () => {
    const log = memoryLog();
    log.append(3, { notify: false });
    let failuresLeft = 3;
    const readAll = async (after: number, limit: number) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('Connection terminated unexpectedly');
      }
      return log.readAll(after, limit);
    };
    const reported: Array<[string, number, number]> = [];
    const started = Date.now();
    const seen: number[] = [];
    const sub = pollingSubscription(readAll, onEmit(log.appended), 0, (batch) => void seen.push(...batch.map((e) => e.position)), {
      pollMs: 60_000,
      onReadError: (error, failures) => reported.push([(error as Error).message, failures, Date.now() - started]),
    });
    await until(() => seen.length === 3, 'the 3 events after the failed reads');
    expect(seen).toEqual([1, 2, 3]);
    expect(reported.map(([message, failures]) => [message, failures])).toEqual([
      ['Connection terminated unexpectedly', 1],
      ['Connection terminated unexpectedly', 2],
      ['Connection terminated unexpectedly', 3],
    ]);
    // Pauses of 100, 200 and 400 ms before the reads that followed the failures.
    expect(reported[2]![2]).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeGreaterThanOrEqual(690);
    log.append(1);
    await until(() => seen.length === 4, 'a live append after recovering');
    sub.close();
    await sub.done;

    const failing = pollingSubscription(log.readAll, onEmit(log.appended), 0, () => {
      throw new Error('handler failed');
    }, { pollMs: 60_000 });
    await expect(failing.done).rejects.toThrow('handler failed');
  });

  it('closing during the pause after a failed read ends the subscription at once', async () => {
    let reads = 0;
    const sub = pollingSubscription(async () => {
      reads++;
      throw new Error('no database');
    }, () => () => undefined, 0, () => undefined, { pollMs: 60_000 });
    await until(() => reads >= 3, 'three failed reads (then a pause of 400 ms)');
    sub.close();
    const closed = Date.now();
    await sub.done;
    expect(Date.now() - closed).toBeLessThan(500);
  });
});
