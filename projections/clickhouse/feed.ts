import type { ReadAll } from '../shared/projection.js';
import type { StoredEventLike } from '../shared/stored-event.js';
import type { ClickhouseProjector } from './projector.js';

export interface ClickhouseFeedOptions {
  projector: ClickhouseProjector;
  /** The event store's `readAll`: the way back when batches were dropped or could not be written. */
  readAll: ReadAll;
  /** Queued events above this are dropped and read again from the store. Default 50,000. */
  maxPendingEvents?: number;
  /** Events per insert at most (queued batches are merged up to this). Default 5,000. */
  maxBatchEvents?: number;
  /** Wait after a failed write before trying again. Default 1,000 ms. */
  retryMs?: number;
  onError?: (error: unknown) => void;
}

export interface ClickhouseFeed {
  /** For a bus handler: queues the batch and returns at once; never throws. */
  handle(events: readonly StoredEventLike[]): void;
  /** Events queued and not yet written. */
  pending(): number;
  /** Resolves when nothing is queued and no write or catch-up is running. */
  idle(): Promise<void>;
  /** Stops after the write in progress; queued events are left to the next start's catch-up. */
  stop(): Promise<void>;
}

/**
 * Feeds a ClickHouse projector from an in-order bus (the embedded in-process bus) without making
 * the bus wait for ClickHouse: batches are queued and written by one loop, merged into larger
 * inserts when ClickHouse is slower than the traffic. Memory is bounded: past
 * `maxPendingEvents`, or while ClickHouse is down, the queue is dropped and the projector catches
 * up from the store at its recorded position. Writes are idempotent, so overlaps are harmless.
 */
export function clickhouseFeed({ projector, readAll, maxPendingEvents = 50_000, maxBatchEvents = 5_000, retryMs = 1_000, onError = () => {} }: ClickhouseFeedOptions): ClickhouseFeed {
  let queue: StoredEventLike[][] = [];
  let queued = 0;
  let behind = false;
  let stopped = false;
  let running: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let wakeRetry: (() => void) | null = null;

  const take = (): StoredEventLike[] => {
    const out: StoredEventLike[] = [];
    while (queue.length > 0 && (out.length === 0 || out.length + queue[0]!.length <= maxBatchEvents)) out.push(...queue.shift()!);
    return out;
  };

  const pause = () =>
    new Promise<void>((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, retryMs);
    });

  async function loop(): Promise<void> {
    while (!stopped && (behind || queue.length > 0)) {
      try {
        if (behind) {
          // Events queued meanwhile are applied after the catch-up (those it already wrote are skipped).
          behind = false;
          await projector.catchUp(readAll);
        } else {
          const batch = take();
          try {
            await projector.applyBatch(batch);
            queued -= batch.length;
          } catch (error) {
            queue.unshift(batch);
            throw error;
          }
        }
      } catch (error) {
        onError(error);
        behind = true;
        if (queued > maxPendingEvents) {
          queue = [];
          queued = 0;
        }
        await pause();
      }
    }
  }

  const kick = () => {
    if (running || stopped) return;
    running = loop().finally(() => {
      running = null;
      if (!stopped && (behind || queue.length > 0)) kick();
    });
  };

  return {
    handle(events) {
      if (stopped || events.length === 0) return;
      queue.push([...events]);
      queued += events.length;
      if (queued > maxPendingEvents) {
        queue = [];
        queued = 0;
        behind = true;
      }
      kick();
    },
    pending: () => queued,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      wakeRetry?.();
      await running;
      await projector.flushPosition().catch(onError);
    },
  };
}
