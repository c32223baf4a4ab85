import { createRateLimiter } from '@parley/domain/ingress';
import type { HttpReply, HttpRequest } from '@parley/infra/http';
import { activeSession, claimedAccount, usernameMatches, type AccountSession } from '../../application/account-session.js';
import { isRefusal } from '../../application/outcome.js';
import type { ApiContext } from '../../context.js';
import { rateLimitHeaders } from '../community/rate-limit-headers.js';
import { simpleRoomsError } from './errors.js';

/** community-chat-rest.txt's general limit ("2000 requests per minute"), per account, else per IP. */
export const SIMPLE_ROOMS_RATE_LIMIT = { limit: 2000, windowMs: 60_000 };

export type Identified = { session: AccountSession | null; headers: Record<string, string> } | { reply: HttpReply };

/**
 * Who calls the simple-rooms surface, under its request limit: an account access token
 * (`Authorization: Bearer`) plus `X-Username`, which must name the token's account. A mismatch
 * is 401 (the two credentials disagree, so the caller is not authenticated), as is a missing
 * `X-Username` on a write. Without a token the caller is anonymous. One limiter per surface
 * instance, shared by every operation of it.
 */
export function simpleRoomsIdentifier(ctx: ApiContext): (req: HttpRequest, write: boolean) => Promise<Identified> {
  const limiter = createRateLimiter({ ...SIMPLE_ROOMS_RATE_LIMIT, maxKeys: 100_000 });

  return async (req, write) => {
    const claimed = await claimedAccount(ctx.tokens, req.headers.authorization);
    const decision = limiter.check(claimed.kind === 'account' ? `u:${claimed.session.userId}` : `ip:${req.ip}`, ctx.now());
    const headers = rateLimitHeaders(decision, SIMPLE_ROOMS_RATE_LIMIT.limit, 'rooms');
    if (!decision.allowed) return { reply: simpleRoomsError(429, headers) };
    if (claimed.kind === 'invalid') return { reply: simpleRoomsError(401, headers) };
    if (claimed.kind === 'anonymous') return { session: null, headers };
    const session = await activeSession(ctx, claimed.session);
    if (isRefusal(session)) return { reply: simpleRoomsError(401, headers) };
    const header = req.headers['x-username'];
    if (header === undefined ? write : !usernameMatches(session, header)) return { reply: simpleRoomsError(401, headers) };
    return { session, headers };
  };
}
