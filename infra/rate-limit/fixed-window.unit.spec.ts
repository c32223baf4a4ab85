import { describe, expect, it } from 'vitest';
import { fixedWindowQuota, quotaHeaders } from './fixed-window.js';

describe('fixed-window quota', () => {
  it('allows exactly `limit` requests per window per key, then again after the reset', () => {
    const q = fixedWindowQuota({ limit: 3, windowMs: 1000 });
    expect([1, 2, 3, 4].map(() => q.check('a', 10_000).allowed)).toEqual([true, true, true, false]);
    expect(q.check('b', 10_500).remaining).toBe(2);
    const refused = q.check('a', 10_999);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetAt: 11_000, retryAfterMs: 1 });
    expect(quotaHeaders(refused)).toEqual({ 'X-RateLimit-Limit': '3', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '11', 'Retry-After': '1' });
    expect(q.check('a', 11_000)).toMatchObject({ allowed: true, remaining: 2, resetAt: 12_000 });
  });

  it('keeps memory bounded', () => {
    const q = fixedWindowQuota({ limit: 1, windowMs: 1000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) q.check(`k${i}`, i);
    expect(q.size()).toBeLessThanOrEqual(100);
  });

  it('drops ended windows within a hundredth of maxKeys new keys, and the oldest ones first when full', () => {
    const q = fixedWindowQuota({ limit: 1, windowMs: 1000, maxKeys: 1000 });
    for (let i = 0; i < 600; i++) q.check(`old${i}`, 0);
    expect(q.size()).toBe(600);
    for (let i = 0; i < 10; i++) q.check(`new${i}`, 1000); // the old windows have ended
    expect(q.size()).toBeLessThanOrEqual(11);
    // Full of live windows: the oldest go, the newest stay (a remembered key is refused).
    for (let i = 0; i < 5000; i++) q.check(`flood${i}`, 1500);
    expect(q.size()).toBeLessThanOrEqual(1000);
    expect(q.check('flood4999', 1500).allowed).toBe(false);
    expect(q.check('flood0', 1500).allowed).toBe(true); // forgotten: a fresh window
  });
});
