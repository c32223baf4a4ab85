import type { RateDecision } from '@parley/domain/ingress';

/**
 * `X-RateLimit-*` headers of community-chat-rest.txt (Rate Limits) for one sliding-log decision:
 * Reset is the second (epoch) when the oldest counted request leaves the window; a refusal adds
 * `Retry-After` in seconds.
 */
export function rateLimitHeaders(decision: RateDecision, limit: number, bucket: string): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(Math.ceil(decision.resetAt / 1000)),
    'X-RateLimit-Bucket': bucket,
  };
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

export const rateLimitHeaderNames = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'X-RateLimit-Bucket'];
