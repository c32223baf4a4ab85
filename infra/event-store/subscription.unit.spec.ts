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
});
