import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 keeps one timer per broker connection firing every millisecond while nothing is
 * queued: `scheduleCheckPendingRequests` computes `throttledUntil - now`, which is negative when
 * the connection was never throttled, and arms `setTimeout` with it even with an empty queue; the
 * check then arms it again (tulios/kafkajs#1556, #1704, unfixed upstream). Each consumer, producer
 * and admin connection thus woke its process ~1,000 times a second: an idle fan-out node used
 * 6.4–6.9 % of a core with it and 3.4–3.9 % without (docs/benchmarks.md, eighth session).
 *
 * The replacement arms a timer only when a request waits in the queue: at the end of the
 * client-side throttle, or after 10 ms (kafkajs' own interval) when it waits for an in-flight slot.
 * Nothing else is needed when the queue is empty: `push` schedules as soon as a request has to
 * wait, and every fulfilled or timed-out request checks the queue itself.
 */
interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const CHECK_PENDING_INTERVAL_MS = 10;

function scheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_INTERVAL_MS);
}

const require = createRequire(import.meta.url);

/** kafkajs' RequestQueue class, the one its connections use (same resolved module). */
export function kafkajsRequestQueue(): { prototype: RequestQueueLike } {
  return require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike };
}

/** Installs the replacement once per process; idempotent. */
export function fixKafkajsIdleTimer(): void {
  const RequestQueue = kafkajsRequestQueue();
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
