import type { StoredEvent, SubscribeOptions, Subscription } from './port.js';

/**
 * A catch-up-then-follow subscription built on `readAll`. `waitForAppend` resolves when the
 * adapter learns of a new append (or never, for adapters without push); polling covers the rest.
 */
export function pollingSubscription(
  readAll: (after: number, limit: number) => Promise<StoredEvent[]>,
  waitForAppend: (signal: AbortSignal) => Promise<void>,
  afterPosition: number,
  handler: (events: StoredEvent[]) => Promise<void> | void,
  options: SubscribeOptions = {},
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 250;
  const stop = new AbortController();
  let position = afterPosition;

  const sleepUntilNews = () =>
    new Promise<void>((resolve) => {
      const wake = new AbortController();
      const timer = setTimeout(() => wake.abort(), pollMs);
      const onStop = () => wake.abort();
      stop.signal.addEventListener('abort', onStop, { once: true });
      wake.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', onStop);
        resolve();
      });
      waitForAppend(wake.signal).then(() => wake.abort(), () => wake.abort());
    });

  const run = async () => {
    while (!stop.signal.aborted) {
      const batch = await readAll(position, batchSize);
      if (stop.signal.aborted) return;
      if (batch.length === 0) {
        await sleepUntilNews();
        continue;
      }
      await handler(batch);
      position = batch[batch.length - 1]!.position;
    }
  };

  const done = run();
  done.catch(() => undefined);
  return {
    close: () => stop.abort(),
    done,
  };
}

/** `waitForAppend` for adapters that learn of appends through an emitter's `appended` event. */
export const nextEmit =
  (emitter: { once(event: 'appended', fn: () => void): unknown; off(event: 'appended', fn: () => void): unknown }) =>
  (signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      const wake = () => resolve();
      emitter.once('appended', wake);
      signal.addEventListener('abort', () => emitter.off('appended', wake), { once: true });
    });
