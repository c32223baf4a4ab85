/**
 * A sliding-log rate limit, as pure functions. A request at time `t` counts against its key
 * during `[t, t + windowMs)`; a request is allowed while fewer than `limit` counted requests
 * remain in the window ending at `now`. Refused requests are not counted, so a client that
 * keeps hammering regains access as soon as its oldest accepted request leaves the window.
 * Exact at the boundaries: with 20 per 10 s, the 20th request inside 10 s passes, the 21st is
 * refused, and the first request stops counting exactly `windowMs` after it was made.
 * A log holds at most `limit` timestamps, so memory per key is bounded by the limit.
 */

export interface RateDecision {
  allowed: boolean;
  /** Requests still allowed right now, after this one. */
  remaining: number;
  /** When the oldest counted request leaves the window, i.e. when `remaining` next grows (ms epoch). */
  resetAt: number;
  /** 0 when allowed; otherwise how long to wait before a retry can pass (for `Retry-After`). */
  retryAfterMs: number;
}

/** Accepted request times of one key, ascending. */
export type RequestLog = readonly number[];

function assertLimits(limit: number, windowMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
}

/** The decision for one key, and that key's next log. */
export function checkLog(log: RequestLog, now: number, limit: number, windowMs: number): RateDecision & { log: RequestLog } {
  assertLimits(limit, windowMs);
  const windowStart = now - windowMs;
  let firstLive = 0;
  while (firstLive < log.length && log[firstLive]! <= windowStart) firstLive++;
  const live = log.slice(firstLive);
  if (live.length >= limit) {
    // Only `limit` entries are ever kept, but a smaller limit than before may find more.
    const resetAt = live[live.length - limit]! + windowMs;
    return { allowed: false, remaining: 0, resetAt, retryAfterMs: resetAt - now, log: live };
  }
  const next = insertSorted(live, now);
  return { allowed: true, remaining: limit - next.length, resetAt: next[0]! + windowMs, retryAfterMs: 0, log: next };
}

/**
 * The log after a request accepted elsewhere at `at` (another node of the cluster): it counts like
 * one accepted here. Only the newest `limit` times can ever decide a check, so no more are kept.
 */
export function recordLog(log: RequestLog, at: number, limit: number, windowMs: number): RequestLog {
  assertLimits(limit, windowMs);
  const next = insertSorted(log, at);
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** A clock that stepped back must not let the log go out of order. */
function insertSorted(log: RequestLog, time: number): number[] {
  const next = [...log];
  let at = next.length;
  while (at > 0 && next[at - 1]! > time) at--;
  next.splice(at, 0, time);
  return next;
}

/** Logs of many keys. Immutable: every check returns a new state. */
export type RateLimitState = ReadonlyMap<string, RequestLog>;

export const emptyRateLimitState: RateLimitState = new Map();

/**
 * The keyed form: `check(state, key, now, limit, windowMs)`. It copies the map, so it suits
 * tests and small key sets; the HTTP layer uses `createRateLimiter`, which applies the same
 * `checkLog` to a bounded, mutable map.
 */
export function check(state: RateLimitState, key: string, now: number, limit: number, windowMs: number): RateDecision & { state: RateLimitState } {
  const { log, ...decision } = checkLog(state.get(key) ?? [], now, limit, windowMs);
  const next = new Map(state);
  next.set(key, log);
  return { ...decision, state: next };
}
