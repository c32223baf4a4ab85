export interface QuotaCheck {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms epoch when the window resets. */
  resetAt: number;
  retryAfterMs: number;
}

/**
 * Request quotas for REST surfaces: `limit` requests per `windowMs` per key, in fixed windows
 * (what `X-RateLimit-Remaining`/`X-RateLimit-Reset` describe). Memory is bounded: windows that
 * ended are dropped as new keys arrive, and at most `maxKeys` are kept.
 *
 * Keys are in the order their windows started (a key whose window ended moves to the end), so
 * ended windows are at the old end. They are swept once per `maxKeys / 100` new keys, not on
 * every new key: a Map keeps a deleted entry's slot until it grows again, and each sweep walks
 * every slot freed since from the start (35 µs a request at 1,000 new addresses a second, 114 at
 * 2,000, when it ran for every new key). At `maxKeys` the oldest hundredth goes at once, for the
 * same reason.
 */
export function fixedWindowQuota(options: { limit: number; windowMs: number; maxKeys?: number }) {
  const { limit, windowMs } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const sweepEvery = Math.max(1, Math.floor(maxKeys / 100));
  const windows = new Map<string, { start: number; count: number }>();
  let newKeysSinceSweep = 0;

  const sweep = (now: number) => {
    newKeysSinceSweep = 0;
    const keep = maxKeys - sweepEvery;
    for (const [k, w] of windows) {
      if (w.start + windowMs <= now || windows.size > keep) windows.delete(k);
      else break;
    }
  };

  return {
    check(key: string, now: number): QuotaCheck {
      let w = windows.get(key);
      if (!w || w.start + windowMs <= now) {
        if (w) windows.delete(key);
        else if (windows.size >= maxKeys || (windows.size >= maxKeys / 2 && ++newKeysSinceSweep >= sweepEvery)) sweep(now);
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      const resetAt = w.start + windowMs;
      if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetAt, retryAfterMs: resetAt - now };
      w.count += 1;
      return { allowed: true, limit, remaining: limit - w.count, resetAt, retryAfterMs: 0 };
    },
    size: () => windows.size,
  };
}

export type FixedWindowQuota = ReturnType<typeof fixedWindowQuota>;

/** The headers every rate-limited response carries; `Retry-After` (seconds) when refused. */
export function quotaHeaders(q: QuotaCheck): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(q.limit),
    'X-RateLimit-Remaining': String(q.remaining),
    'X-RateLimit-Reset': String(Math.ceil(q.resetAt / 1000)),
  };
  if (!q.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(q.retryAfterMs / 1000)));
  return headers;
}
