import { usernameKey } from '@parley/domain/simple-rooms';
import { isSessionActive } from '@parley/domain/users';
import { ACCOUNT_SUBJECT_PREFIX, bearerToken, type TokenService } from '@parley/infra/auth';
import type { ApiContext } from '../context.js';
import type { Caller } from './caller.js';
import { refuse, type Refusal } from './outcome.js';
import { perContext } from './per-context.js';
import { UserStore } from './user-store.js';

/** A signed-in account: who, and which session (refresh-token family) the access token belongs to. */
export interface AccountSession {
  userId: string;
  username: string;
  /** null only for tRPC callers while caller.ts does not forward the `sid` claim (see `accountOfCaller`). */
  sid: string | null;
}

/** The account a Bearer credential claims, checked for signature and expiry but not yet for an active session. */
export type ClaimedAccount = { kind: 'anonymous' } | { kind: 'account'; session: AccountSession } | { kind: 'invalid'; reason: 'expired' | 'invalid' | 'not_an_account' };

export const userStoreOf = perContext((ctx) => new UserStore(ctx.store, { now: ctx.now }));

export async function claimedAccount(tokens: TokenService, authorization: string | undefined): Promise<ClaimedAccount> {
  if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
  const token = bearerToken(authorization);
  if (!token) return { kind: 'invalid', reason: 'invalid' };
  const verified = await tokens.verifyIdentity(token);
  if (!verified.ok) return { kind: 'invalid', reason: verified.reason === 'expired' ? 'expired' : 'invalid' };
  const { sub, username, sid } = verified.claims;
  // Identity tokens of other providers (`discord:…`, minted by the CLI) name no account.
  if (!sub.startsWith(ACCOUNT_SUBJECT_PREFIX) || !username || !sid) return { kind: 'invalid', reason: 'not_an_account' };
  return { kind: 'account', session: { userId: sub.slice(ACCOUNT_SUBJECT_PREFIX.length), username, sid } };
}

/**
 * Whether the token's session is still alive: refuses access tokens of a logged-out session (or
 * one revoked after a refresh-token reuse) before they expire. Uses the cached user, which this
 * process updates on every write; another node's logout is seen within the cache's freshness.
 */
export async function activeSession(ctx: ApiContext, session: AccountSession): Promise<AccountSession | Refusal> {
  const state = await userStoreOf(ctx).load(session.userId);
  if (!state.profile) return refuse('unauthenticated', 'Unknown account');
  const now = ctx.now();
  const alive = session.sid !== null ? isSessionActive(state, session.sid, now) : Object.keys(state.families).some((sid) => isSessionActive(state, sid, now));
  if (!alive) return refuse('unauthenticated', 'Session ended');
  return { ...session, username: state.profile.username };
}

/** The X-Username header, when sent, must name the token's account (case-insensitively, as usernames are unique). */
export const usernameMatches = (session: AccountSession, header: string | undefined): boolean =>
  header !== undefined && usernameKey(header) === usernameKey(session.username);

/**
 * The account of a tRPC caller. tRPC's context carries `caller.ts`'s Caller, which today keeps
 * only the token's subject; once it forwards the `username`/`sid` claims the exact session is
 * checked. Until then a `user:` identity is accepted while the account has any live session.
 */
export async function accountOfCaller(ctx: ApiContext, caller: Caller): Promise<AccountSession | null | Refusal> {
  if (caller.kind === 'anonymous') return null;
  if (caller.kind !== 'identity' || !caller.userId.startsWith(ACCOUNT_SUBJECT_PREFIX)) return refuse('unauthenticated', 'An account access token is required');
  const claims = caller as { sid?: unknown; username?: unknown };
  const userId = caller.userId.slice(ACCOUNT_SUBJECT_PREFIX.length);
  return activeSession(ctx, {
    userId,
    username: typeof claims.username === 'string' ? claims.username : '',
    sid: typeof claims.sid === 'string' ? claims.sid : null,
  });
}
