import { usernameKey } from '@parley/domain/simple-rooms';
import { isSessionActive } from '@parley/domain/users';
import { ACCOUNT_SUBJECT_PREFIX, bearerToken, type TokenService } from '@parley/infra/auth';
import type { ApiContext } from '../context.js';
import { identifyCaller, type Caller } from './caller.js';
import { isRefusal, refuse, type Refusal } from './outcome.js';
import { perContext } from './per-context.js';
import { UserStore } from './user-store.js';

/** A signed-in account: who, and which session (refresh-token family) the access token belongs to. */
export interface AccountSession {
  userId: string;
  username: string;
  sid: string;
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
  if (!isSessionActive(state, session.sid, ctx.now())) return refuse('unauthenticated', 'Session ended');
  return { ...session, username: state.profile.username };
}

/**
 * The caller of a request, with an account's access token refused once its session ended (logout,
 * or a refresh-token reuse) although the token itself has not expired yet. Every surface that
 * takes account tokens identifies callers through this, not `identifyCaller` alone.
 */
export async function identifyCallerWithSession(ctx: ApiContext, authorization: string | undefined): Promise<Caller> {
  const caller = await identifyCaller(ctx.tokens, authorization);
  return caller.kind === 'identity' && (await accountSessionEnded(ctx, caller)) ? { kind: 'invalid', reason: 'session_ended' } : caller;
}

/** Whether a verified identity is an account session that has ended. Other identities (`discord:…`) have no session to end. */
export async function accountSessionEnded(ctx: ApiContext, identity: Identity): Promise<boolean> {
  const session = accountSessionOf(identity);
  return session !== undefined && isRefusal(await activeSession(ctx, session));
}

type Identity = Extract<Caller, { kind: 'identity' }>;

/** The account session an identity names: an account subject with a session id. */
export function accountSessionOf(identity: Identity): AccountSession | undefined {
  if (!identity.sid || !identity.userId.startsWith(ACCOUNT_SUBJECT_PREFIX)) return undefined;
  return { userId: identity.userId.slice(ACCOUNT_SUBJECT_PREFIX.length), username: identity.username ?? '', sid: identity.sid };
}

/** The X-Username header, when sent, must name the token's account (case-insensitively, as usernames are unique). */
export const usernameMatches = (session: AccountSession, header: string | undefined): boolean =>
  header !== undefined && usernameKey(header) === usernameKey(session.username);

/** The account of a tRPC caller, its session checked again (a batch may outlive the check at identification). */
export async function accountOfCaller(ctx: ApiContext, caller: Caller): Promise<AccountSession | null | Refusal> {
  if (caller.kind === 'anonymous') return null;
  if (caller.kind === 'invalid' && caller.reason === 'session_ended') return refuse('unauthenticated', 'Session ended');
  const session = caller.kind === 'identity' ? accountSessionOf(caller) : undefined;
  if (session === undefined) return refuse('unauthenticated', 'An account access token is required');
  return activeSession(ctx, session);
}
