import { InsertionOrderMap } from '../shared/insertion-order-map.js';
import { checkLog, recordLog, type RateDecision, type RequestLog } from './sliding-window-limiter.js';

export interface RateLimiterOptions {
  limit: number;
  windowMs: number;
  /** Hard cap on the keys remembered (users, IPs). */
  maxKeys: number;
}

export interface RateLimiter {
  /** `now` comes from the caller (the domain reads no clock). */
  check(key: string, now: number): RateDecision;
  /** Counts a request accepted at `at` by someone else (another node); decides nothing. */
  record(key: string, at: number): void;
  /** Keys currently remembered. */
  readonly size: number;
  /** Keys dropped while still inside their window because `maxKeys` was reached. */
  readonly forcedEvictions: number;
}

/** How many idle keys each check drops at most, from the least recently seen end. */
const SWEEP_PER_CHECK = 2;

/**
 * The sliding log with bounded memory. Keys are kept in least-recently-checked order. Each
 * check drops up to two idle keys (no request inside the window) from the old end, so memory
 * follows the number of active keys. If `maxKeys` active keys are reached anyway, the least
 * recently seen key is forgotten (it fails open: its next request starts a fresh log). That
 * is the price of a hard memory bound under a flood of distinct keys; `forcedEvictions`
 * exposes it for metrics.
 */
export function createRateLimiter({ limit, windowMs, maxKeys }: RateLimiterOptions): RateLimiter {
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
  // Least recently checked first; the old end is read without walking freed slots (see InsertionOrderMap).
  const logs = new InsertionOrderMap<string, RequestLog>();
  let forcedEvictions = 0;

  const idleAt = (now: number) => (log: RequestLog) => {
    const newest = log[log.length - 1];
    return newest === undefined || newest <= now - windowMs;
  };

  /** Stores a key's log as the most recently seen, within the bounds. */
  const remember = (key: string, log: RequestLog, now: number) => {
    logs.delete(key);
    logs.deleteOldestWhile(idleAt(now), SWEEP_PER_CHECK);
    logs.set(key, log);
    while (logs.size > maxKeys) {
      logs.deleteOldest();
      forcedEvictions++;
    }
  };

  return {
    check(key, now) {
      const { log, ...decision } = checkLog(logs.get(key) ?? [], now, limit, windowMs);
      remember(key, log, now);
      return decision;
    },
    record(key, at) {
      remember(key, recordLog(logs.get(key) ?? [], at, limit, windowMs), at);
    },
    get size() {
      return logs.size;
    },
    get forcedEvictions() {
      return forcedEvictions;
    },
  };
}
