import type { Actor, RoomState } from '@parley/domain/rooms';
import { apiKeyMatches, bearerToken, type TokenService } from '@parley/infra/auth';
import { fixedWindowQuota, type FixedWindowQuota } from '@parley/infra/rate-limit';
import { refuse, type Refusal } from './outcome.js';

/** Who sent a request, as far as its Bearer credential says. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'identity'; userId: string; username?: string; sid?: string }
  | { kind: 'room'; userId: string; room: string; name: string; roles: string[] }
  | { kind: 'api_key'; key: string }
  | { kind: 'invalid'; reason: 'expired' | 'invalid' | 'session_ended' };

export async function identifyCaller(tokens: TokenService, authorization: string | undefined): Promise<Caller> {
  if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
  const token = bearerToken(authorization);
  if (!token) return { kind: 'invalid', reason: 'invalid' };
  if (token.startsWith('sk_live_')) return { kind: 'api_key', key: token };
  const identity = await tokens.verifyIdentity(token);
  if (identity.ok) return identityCaller(identity.claims);
  const room = await tokens.verifyRoomToken(token);
  if (room.ok) return { kind: 'room', userId: room.claims.sub, room: room.claims.room, name: room.claims.name, roles: room.claims.roles };
  return { kind: 'invalid', reason: identity.reason === 'expired' || room.reason === 'expired' ? 'expired' : 'invalid' };
}

/** The caller a verified identity token makes: its subject, and the account's username and session when it names them. */
export function identityCaller(claims: { sub: string; username?: string; sid?: string }): Extract<Caller, { kind: 'identity' }> {
  return { kind: 'identity', userId: claims.sub, ...(claims.username ? { username: claims.username } : {}), ...(claims.sid ? { sid: claims.sid } : {}) };
}

/**
 * Whose quota a request counts against: a verified token's subject, else the IP. An API key is
 * not verified yet when the quota is checked (that needs the room), so keying by the key would
 * give every made-up key a fresh quota.
 */
export const callerKey = (caller: Caller, ip: string): string => (caller.kind === 'identity' || caller.kind === 'room' ? `u:${caller.userId}` : `ip:${ip}`);

const quotas = new WeakMap<object, FixedWindowQuota>();

/** One request quota per caller for a server, shared by the REST surface and tRPC so neither is a way around the other. */
export function callerQuota(ctx: { config: { PARLEY_RATE_LIMIT_PER_MINUTE: number } }): FixedWindowQuota {
  let quota = quotas.get(ctx);
  if (!quota) {
    quota = fixedWindowQuota({ limit: ctx.config.PARLEY_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
    quotas.set(ctx, quota);
  }
  return quota;
}

const invalidCredentialMessages = { expired: 'Token expired', invalid: 'Invalid token', session_ended: 'Session ended' } as const;

/** A missing or unusable credential, the same answer on every surface that needs one. */
export function credentialRefusal(caller: Caller): Refusal | null {
  if (caller.kind === 'anonymous') return refuse('unauthenticated', 'Missing token');
  if (caller.kind === 'invalid') return refuse('unauthenticated', invalidCredentialMessages[caller.reason]);
  return null;
}

/** The caller as an actor on one room, or why it may not act there at all. */
export function actorOn(state: RoomState, caller: Caller): Actor | Refusal {
  switch (caller.kind) {
    case 'anonymous':
    case 'invalid':
      return credentialRefusal(caller)!;
    case 'identity':
      return { userId: caller.userId, roomRoles: [], credential: 'identity' };
    case 'room':
      if (caller.room !== state.roomId) return refuse('forbidden', 'Token is for another room');
      return { userId: caller.userId, roomRoles: caller.roles, credential: 'room_token' };
    case 'api_key':
      if (!apiKeyMatches(caller.key, state.apiKeyHash)) return refuse('unauthenticated', 'Invalid API key');
      return { userId: null, roomRoles: [], credential: 'api_key' };
  }
}
