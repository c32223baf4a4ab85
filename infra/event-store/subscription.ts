import type { SubscribeOptions, Subscription } from './port.js';

/** Registers `wake` to run on every append the adapter learns of; returns the unregistration. */
export type AppendListener = (wake: () => void) => () => void;

/** The pause after a failed read of the log, doubling per failure in a row up to the cap. */
const firstReadRetryMs = 100;
const maxReadRetryMs = 5_000;

/**
 * A catch-up-then-follow subscription built on `readAll`. `onAppend` wakes it when the adapter
 * learns of a new append (adapters without push never call it); polling every `pollMs` covers the
 * rest. One listener and one timer live as long as the subscription: the hot path (an append per
 * batch) allocates no abort controller, signal or listener per wake-up, and reads the log once.
 */
export function pollingSubscription<E extends { position: number }>(
  readAll: (after: number, limit: number) => Promise<E[]>,
  onAppend: AppendListener,
  afterPosition: number,
  handler: (events: E[]) => Promise<void> | void,
  options: SubscribeOptions = {},
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 250;
  const minIntervalMs = options.minIntervalMs ?? 0;
  let lastReadAt = -Infinity;
  let caughtUp = false;
  /** Ends the wait between two reads early (on close). */
  let endWait: (() => void) | null = null;
  let stopped = false;
  let position = afterPosition;
  // Set by every append; a sleep that finds it set returns at once, so no wake-up is ever lost.
  let news = false;
  let wakeSleeper: (() => void) | null = null;
  const wake = () => {
    news = true;
    const w = wakeSleeper;
    wakeSleeper = null;
    w?.();
  };
  const unlisten = onAppend(wake);
  const pollTimer = setTimeout(wake, pollMs);

  const sleepUntilNews = (): Promise<void> | undefined => {
    if (news || stopped) return undefined;
    pollTimer.refresh();
    return new Promise<void>((resolve) => (wakeSleeper = resolve));
  };

  /** Waits `ms`, or until the subscription is closed. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      endWait = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (endWait = null));
  let failedReads = 0;

  const run = async () => {
    try {
      while (!stopped) {
        // Only a follower that has caught up waits: a full batch means more is there to read now.
        const early = caughtUp ? lastReadAt + minIntervalMs - Date.now() : 0;
        if (early > 0) {
          await pause(early);
          if (stopped) return;
        }
        news = false;
        lastReadAt = Date.now();
        let batch: E[];
        try {
          batch = await readAll(position, batchSize);
          failedReads = 0;
        } catch (error) {
          // Reading the log is safe to repeat, and its failures are mostly a connection that
          // dropped: read again after a pause instead of ending the follower (a relay or a feed
          // that ended stops its process). A handler that throws still ends it.
          if (stopped) return;
          failedReads++;
          options.onReadError?.(error, failedReads);
          await pause(Math.min(maxReadRetryMs, firstReadRetryMs * 2 ** (failedReads - 1)));
          continue;
        }
        caughtUp = batch.length < batchSize;
        if (stopped) return;
        if (batch.length === 0) {
          await sleepUntilNews();
          continue;
        }
        await handler(batch);
        position = batch[batch.length - 1]!.position;
        // A short batch was the whole log at the time of the read, and anything appended since
        // has set `news`: no read to find the log empty (one query per append per subscriber).
        if (batch.length < batchSize) await sleepUntilNews();
      }
    } finally {
      unlisten();
      clearTimeout(pollTimer);
    }
  };

  const done = run();
  done.catch(() => undefined);
  return {
    close: () => {
      stopped = true;
      wake();
      endWait?.();
    },
    done,
  };
}

/** `onAppend` for adapters that learn of appends through an emitter's `appended` event. */
export const onEmit =
  (emitter: { on(event: 'appended', fn: () => void): unknown; off(event: 'appended', fn: () => void): unknown }): AppendListener =>
  (wake) => {
    emitter.on('appended', wake);
    return () => emitter.off('appended', wake);
  };
