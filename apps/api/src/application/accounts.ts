import { randomUUID } from 'node:crypto';
import type { communityAuth } from '@parley/contracts';
import { isDomainError, type DomainError } from '@parley/domain';
import { decideRefresh, isAcceptablePassword, isValidEmail, isValidUsername, toLoginUserView, toUserView, userDecider, type NewSession, type UserState } from '@parley/domain/users';
import { createRateLimiter, type RateDecision } from '@parley/domain/ingress';
import { hashPassword, verifyPassword } from '@parley/infra/passwords';
import { hashRefreshToken, issueRefreshToken, newRefreshFamilyId, parseRefreshToken } from '@parley/infra/refresh-tokens';
import type { ApiContext } from '../context.js';
import { userStoreOf, type AccountSession } from './account-session.js';
import { identifierHolder, releaseIdentifier, reserveIdentifier } from './identifier-reservations.js';
import { isRefusal, refuse, refusalOf, type Refusal } from './outcome.js';
import { perContext } from './per-context.js';

/** The account use cases (`/api/auth/*` and tRPC `accounts.*`). Each returns a result or a Refusal. */

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** community-chat-rest.txt, Rate Limiting: "Authentication Endpoints: 25 requests per 15 minutes". */
export const AUTH_RATE_LIMIT = { limit: 25, windowMs: 15 * 60 * 1000 };

const authLimiter = perContext(() => createRateLimiter({ ...AUTH_RATE_LIMIT, maxKeys: 100_000 }));

/** One request to any auth endpoint from this IP (sliding log, exact). */
export const checkAuthRate = (ctx: ApiContext, ip: string): RateDecision => authLimiter(ctx).check(`ip:${ip}`, ctx.now());

const INVALID_CREDENTIALS = 'Invalid email or password';
const invalidRefresh = () => refuse('unauthenticated', 'Invalid or expired refresh token');

interface StartedSession {
  session: NewSession;
  refreshToken: string;
}

function startSession(userId: string, at: number): StartedSession {
  const familyId = newRefreshFamilyId();
  const issued = issueRefreshToken(userId, familyId);
  return { session: { familyId, tokenHash: issued.tokenHash, expiresAt: at + SESSION_TTL_MS }, refreshToken: issued.token };
}

const accessToken = (ctx: ApiContext, userId: string, username: string, sid: string) =>
  ctx.tokens.issueAccountToken({ userId, username, sid }, ACCESS_TOKEN_TTL_SECONDS);

export async function register(ctx: ApiContext, body: communityAuth.RegisterBody): Promise<communityAuth.RegisterData | Refusal> {
  const username = body.username;
  const email = body.email.trim();
  if (!isValidUsername(username)) return refuse('invalid', 'username must be 3-32 letters, digits, "_", "." or "-"');
  if (!isValidEmail(email)) return refuse('invalid', 'email is not a valid address');
  if (!isAcceptablePassword(body.password)) return refuse('invalid', 'password must be 8-128 characters');
  const passwordHash = await hashPassword(body.password);
  const userId = randomUUID();
  const at = ctx.now();

  const name = await reserveIdentifier(ctx.store, 'username', username, userId, at);
  if (name !== 'reserved') return name === 'invalid' ? refuse('invalid', 'username is not valid') : refuse('conflict', 'Username already taken');
  const address = await reserveIdentifier(ctx.store, 'email', email, userId, at);
  if (address !== 'reserved') {
    await releaseIdentifier(ctx.store, 'username', username, userId, at);
    return address === 'invalid' ? refuse('invalid', 'email is not a valid address') : refuse('conflict', 'Email already registered');
  }

  const started = startSession(userId, at);
  const command = { type: 'RegisterUser' as const, userId, username, email, passwordHash, session: started.session, at };
  const state = await userStoreOf(ctx).execute<UserState | DomainError>(userId, (current) => {
    const events = userDecider.decide(command, current);
    if (isDomainError(events)) return { events: [], value: events };
    return { events, value: events.reduce(userDecider.evolve, current) };
  });
  if (isDomainError(state)) {
    await releaseIdentifier(ctx.store, 'email', email, userId, at);
    await releaseIdentifier(ctx.store, 'username', username, userId, at);
    return refusalOf(state);
  }
  const profile = state.profile!;
  return { user: toUserView(profile), token: await accessToken(ctx, userId, profile.username, started.session.familyId), refreshToken: started.refreshToken };
}

export async function login(ctx: ApiContext, body: communityAuth.LoginBody): Promise<communityAuth.LoginData | Refusal> {
  const email = body.email.trim();
  const userId = isValidEmail(email) ? await identifierHolder(ctx.store, 'email', email) : null;
  const users = userStoreOf(ctx);
  const state: UserState | null = userId ? await users.load(userId) : null;
  const profile = state?.profile ?? null;
  // Unknown email and wrong password take the same time and get the same answer.
  const verified = await verifyPassword(profile?.passwordHash ?? null, body.password);
  const at = ctx.now();
  if (!profile || !verified) {
    if (profile) await users.execute(profile.userId, (current) => ({ events: orNone(userDecider.decide({ type: 'RecordLoginFailure', at }, current)), value: null }));
    return refuse('unauthenticated', INVALID_CREDENTIALS);
  }
  const started = startSession(profile.userId, at);
  const outcome = await users.execute(profile.userId, (current) => {
    const events = userDecider.decide({ type: 'LogIn', session: started.session, at }, current);
    return isDomainError(events) ? { events: [], value: refusalOf(events) } : { events, value: null };
  });
  if (isRefusal(outcome)) return outcome;
  return { user: toLoginUserView(profile), token: await accessToken(ctx, profile.userId, profile.username, started.session.familyId), refreshToken: started.refreshToken };
}

const orNone = <E>(decided: E[] | unknown): E[] => (Array.isArray(decided) ? decided : []);

/**
 * Trades a refresh token for a new access token and the family's next refresh token. A token
 * that was already rotated away revokes the whole family (the revocation is appended before
 * answering 401), so after a theft neither the thief nor the victim can go on refreshing.
 */
export async function refresh(ctx: ApiContext, presented: string | null): Promise<communityAuth.RefreshData | Refusal> {
  const parsed = presented ? parseRefreshToken(presented) : null;
  if (!presented || !parsed) return invalidRefresh();
  const next = issueRefreshToken(parsed.userId, parsed.familyId);
  const presentedTokenHash = hashRefreshToken(presented);
  const outcome = await userStoreOf(ctx).execute(parsed.userId, (state) => {
    const decided = decideRefresh({ type: 'RotateRefreshToken', familyId: parsed.familyId, presentedTokenHash, nextTokenHash: next.tokenHash, at: ctx.now() }, state);
    return { events: decided.kind === 'rejected' ? [] : decided.events, value: { kind: decided.kind, username: state.profile?.username ?? '' } };
  });
  if (outcome.kind !== 'rotated') {
    if (outcome.kind === 'reuse_detected') ctx.logger.warn({ userId: parsed.userId, familyId: parsed.familyId }, 'refresh token reused: session revoked');
    return invalidRefresh();
  }
  return { token: await accessToken(ctx, parsed.userId, outcome.username, parsed.familyId), refreshToken: next.token };
}

/** Ends the access token's session: its refresh token stops working and so does every access token of it. */
export async function logout(ctx: ApiContext, session: AccountSession): Promise<Record<string, never> | Refusal> {
  const familyId = session.sid;
  const outcome = await userStoreOf(ctx).execute(session.userId, (state) => {
    const events = userDecider.decide({ type: 'LogOut', familyId, at: ctx.now() }, state);
    return isDomainError(events) ? { events: [], value: refusalOf(events) } : { events, value: null };
  });
  return isRefusal(outcome) ? outcome : {};
}
