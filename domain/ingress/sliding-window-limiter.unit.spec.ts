import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.js';
import { check, checkLog, emptyRateLimitState, recordLog, type RateLimitState } from './sliding-window-limiter.js';

const T0 = 1_700_000_000_000;
const LIMIT = 20;
const WINDOW = 10_000;

/** Sends `times` through the pure keyed check, returning the decisions and the final state. */
function run(times: number[], key = 'user-1', state: RateLimitState = emptyRateLimitState) {
  const decisions = [];
  for (const now of times) {
    const result = check(state, key, now, LIMIT, WINDOW);
    state = result.state;
    decisions.push(result);
  }
  return { decisions, state };
}

describe('sliding-window limiter (pure)', () => {
  it('accepts the 20th message in 10 s and refuses the 21st', () => {
    const times = Array.from({ length: 21 }, (_, i) => T0 + i * 100);
    const { decisions } = run(times);
    expect(decisions.slice(0, 20).every((d) => d.allowed)).toBe(true);
    expect(decisions[19]).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + WINDOW, retryAfterMs: 0 });
    expect(decisions[20]).toMatchObject({ allowed: false, remaining: 0, resetAt: T0 + WINDOW, retryAfterMs: T0 + WINDOW - (T0 + 2000) });
  });

  it('counts down remaining', () => {
    const { decisions } = run([T0, T0 + 1, T0 + 2]);
    expect(decisions.map((d) => d.remaining)).toEqual([19, 18, 17]);
  });

  it('is exact at the window edge: refused 1 ms before the oldest leaves, accepted when it leaves', () => {
    const burst = Array.from({ length: 20 }, () => T0);
    const { state } = run(burst);
    const justBefore = check(state, 'user-1', T0 + WINDOW - 1, LIMIT, WINDOW);
    expect(justBefore).toMatchObject({ allowed: false, retryAfterMs: 1, resetAt: T0 + WINDOW });
    const atEdge = check(justBefore.state, 'user-1', T0 + WINDOW, LIMIT, WINDOW);
    // All twenty were at T0, so all of them leave together.
    expect(atEdge).toMatchObject({ allowed: true, remaining: 19, resetAt: T0 + 2 * WINDOW });
  });

  it('slides: spread requests free one slot at a time', () => {
    const times = Array.from({ length: 20 }, (_, i) => T0 + i * 500);
    const { state } = run(times);
    expect(check(state, 'user-1', T0 + 9_999, LIMIT, WINDOW).allowed).toBe(false);
    const freed = check(state, 'user-1', T0 + WINDOW, LIMIT, WINDOW);
    expect(freed).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 500 + WINDOW });
    expect(check(freed.state, 'user-1', T0 + WINDOW + 1, LIMIT, WINDOW)).toMatchObject({ allowed: false, retryAfterMs: 499 });
  });

  it('refused requests are not counted', () => {
    const { state } = run([...Array.from({ length: 20 }, () => T0), ...Array.from({ length: 50 }, (_, i) => T0 + 1 + i)]);
    expect(state.get('user-1')).toHaveLength(20);
    expect(check(state, 'user-1', T0 + WINDOW, LIMIT, WINDOW).allowed).toBe(true);
  });

  it('keys are independent and the input state is not changed', () => {
    const { state } = run(Array.from({ length: 20 }, () => T0));
    const other = check(state, 'user-2', T0 + 1, LIMIT, WINDOW);
    expect(other.allowed).toBe(true);
    expect(state.has('user-2')).toBe(false);
    expect(state.get('user-1')).toHaveLength(20);
  });

  it('keeps the log ordered when the clock steps back', () => {
    const r = checkLog([T0, T0 + 50], T0 + 10, 5, WINDOW);
    expect(r.log).toEqual([T0, T0 + 10, T0 + 50]);
  });

  it('a lowered limit refuses until enough old requests have left', () => {
    const r = checkLog([T0, T0 + 1, T0 + 2, T0 + 3], T0 + 5, 2, WINDOW);
    expect(r).toMatchObject({ allowed: false, resetAt: T0 + 2 + WINDOW });
  });

  it('the auth limit of the reference: 25 per 15 minutes', () => {
    const fifteenMinutes = 15 * 60_000;
    let log: readonly number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = checkLog(log, T0 + i * 1000, 25, fifteenMinutes);
      expect(r.allowed).toBe(true);
      log = r.log;
    }
    expect(checkLog(log, T0 + 30_000, 25, fifteenMinutes)).toMatchObject({ allowed: false, retryAfterMs: fifteenMinutes - 30_000 });
    expect(checkLog(log, T0 + fifteenMinutes, 25, fifteenMinutes).allowed).toBe(true);
  });

  it('refuses nonsense limits', () => {
    expect(() => checkLog([], T0, 0, WINDOW)).toThrow(RangeError);
    expect(() => checkLog([], T0, 1.5, WINDOW)).toThrow(RangeError);
    expect(() => checkLog([], T0, 5, 0)).toThrow(RangeError);
  });
});

describe('createRateLimiter (bounded memory)', () => {
  it('applies the same exact boundaries', () => {
    const limiter = createRateLimiter({ limit: LIMIT, windowMs: WINDOW, maxKeys: 100 });
    for (let i = 0; i < 20; i++) expect(limiter.check('u', T0 + i).allowed).toBe(true);
    expect(limiter.check('u', T0 + 20)).toMatchObject({ allowed: false, retryAfterMs: WINDOW - 20 });
    expect(limiter.check('u', T0 + WINDOW).allowed).toBe(true);
  });

  it('drops idle keys as traffic flows', () => {
    const limiter = createRateLimiter({ limit: 5, windowMs: WINDOW, maxKeys: 1000 });
    for (let i = 0; i < 100; i++) limiter.check(`ip-${i}`, T0);
    expect(limiter.size).toBe(100);
    for (let i = 0; i < 60; i++) limiter.check('steady', T0 + WINDOW + i);
    expect(limiter.size).toBeLessThan(100);
    for (let i = 0; i < 200; i++) limiter.check('steady', T0 + WINDOW + 100 + i);
    expect(limiter.size).toBe(1);
    expect(limiter.forcedEvictions).toBe(0);
  });

  it('never remembers more than maxKeys, forgetting the least recently seen', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: WINDOW, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.check(key, T0).allowed).toBe(true);
    expect(limiter.check('a', T0 + 1).allowed).toBe(false); // a is now the most recent
    for (let i = 0; i < 1000; i++) limiter.check(`flood-${i}`, T0 + 2);
    expect(limiter.size).toBe(3);
    expect(limiter.forcedEvictions).toBe(1000);
    expect(limiter.check('a', T0 + 3).allowed).toBe(true); // forgotten: fails open
  });

  it('forgets keys in least-recently-seen order over many rounds of churn', () => {
    // limit 1 inside one window: a remembered key is refused, a forgotten (or new) one allowed.
    const maxKeys = 50;
    const limiter = createRateLimiter({ limit: 1, windowMs: WINDOW, maxKeys });
    const model: string[] = []; // least recently seen first
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 20_000; step++) {
      const key = `k${Math.floor(random() * 120)}`;
      const at = model.indexOf(key);
      expect(limiter.check(key, T0 + step % 1000).allowed).toBe(at < 0);
      if (at >= 0) model.splice(at, 1);
      model.push(key);
      if (model.length > maxKeys) model.shift();
    }
    expect(limiter.size).toBe(maxKeys);
  });

  it('keeps a recently seen key while older ones are evicted', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: WINDOW, maxKeys: 2 });
    limiter.check('old', T0);
    limiter.check('hot', T0);
    limiter.check('old', T0 + 1);
    limiter.check('new', T0 + 2); // evicts "hot", the least recently seen
    expect(limiter.check('old', T0 + 3).allowed).toBe(false);
  });

  it('counts requests accepted elsewhere: 15 recorded leave room for 5; they leave the window like any other', () => {
    const limiter = createRateLimiter({ limit: LIMIT, windowMs: WINDOW, maxKeys: 100 });
    for (let i = 0; i < 15; i++) limiter.record('u', T0 + i);
    for (let i = 0; i < 5; i++) expect(limiter.check('u', T0 + 100 + i)).toMatchObject({ allowed: true, remaining: 4 - i });
    expect(limiter.check('u', T0 + 200)).toMatchObject({ allowed: false, retryAfterMs: WINDOW - 200 });
    expect(limiter.check('u', T0 + WINDOW).allowed).toBe(true);
    // Another key is untouched.
    expect(limiter.check('v', T0 + 200)).toMatchObject({ allowed: true, remaining: LIMIT - 1 });
  });

  it('a recorded time out of order lands in order, and a log keeps only the newest `limit` times', () => {
    expect(recordLog([T0, T0 + 20], T0 + 10, 3, WINDOW)).toEqual([T0, T0 + 10, T0 + 20]);
    expect(recordLog([T0, T0 + 10, T0 + 20], T0 + 5, 3, WINDOW)).toEqual([T0 + 5, T0 + 10, T0 + 20]);
    expect(() => recordLog([], T0, 0, WINDOW)).toThrow(RangeError);
  });

  it('refuses a nonsense key bound', () => {
    expect(() => createRateLimiter({ limit: 1, windowMs: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});
