import type { UserEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { deciderSpec } from '../shared/spec.js';
import type { RegisterUser, RotateRefreshToken } from './commands.js';
import { decideRefresh, userDecider } from './decide.js';
import { isSessionActive, REMEMBERED_ROTATED_TOKENS } from './state.js';
import { toLoginUserView, toUserView } from './view.js';

const spec = deciderSpec(userDecider);
const T0 = 1_704_067_200_000;
const DAY = 86_400_000;
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

const register: RegisterUser = {
  type: 'RegisterUser',
  userId: 'u1',
  username: 'Alice',
  email: 'alice@example.com',
  passwordHash: HASH,
  session: { familyId: 'f1', tokenHash: 't1', expiresAt: T0 + 30 * DAY },
  at: T0,
};

const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', username: 'Alice', email: 'alice@example.com', passwordHash: HASH, avatar: null, createdAt: T0 },
};
const f1Issued: UserEvent = {
  type: 'RefreshTokenFamilyIssued',
  data: { userId: 'u1', familyId: 'f1', tokenHash: 't1', issuedAt: T0, expiresAt: T0 + 30 * DAY },
};
const rotated = (familyId: string, previousTokenHash: string, tokenHash: string, at: number): UserEvent => ({
  type: 'RefreshTokenRotated',
  data: { userId: 'u1', familyId, previousTokenHash, tokenHash, at },
});
const refresh = (presentedTokenHash: string, nextTokenHash: string, at: number, familyId = 'f1'): RotateRefreshToken => ({
  type: 'RotateRefreshToken',
  familyId,
  presentedTokenHash,
  nextTokenHash,
  at,
});

describe('registration', () => {
  it('registers a user and starts the first session', () => {
    spec.given([]).when(register).then([registered, f1Issued]);
  });

  it('registers without a session', () => {
    spec.given([]).when({ ...register, session: null }).then([registered]);
  });

  it('refuses a second registration on the same stream', () => {
    spec.given([registered]).when(register).thenFails('already_exists');
  });

  it.each([
    ['a username that is too short', { username: 'ab' }],
    ['a username that is too long', { username: 'a'.repeat(33) }],
    ['a username with a space', { username: 'al ice' }],
    ['an email without a domain', { email: 'alice@' }],
    ['an email without a top-level label', { email: 'alice@localhost' }],
    ['an email with two @', { email: 'a@b@example.com' }],
    ['a plain-text password instead of a hash', { passwordHash: 'hunter22' }],
  ])('refuses %s', (_what, change) => {
    spec.given([]).when({ ...register, ...change }).thenFails('invalid');
  });

  it('accepts the boundary lengths of a username', () => {
    spec.given([]).when({ ...register, username: 'abc', session: null }).then([{ ...registered, data: { ...registered.data, username: 'abc' } } as UserEvent]);
    const long = 'a'.repeat(32);
    spec.given([]).when({ ...register, username: long, session: null }).then([{ ...registered, data: { ...registered.data, username: long } } as UserEvent]);
  });

  it('shows the user as the reference does, avatar null and ISO createdAt', () => {
    const state = fold(userDecider, [registered]);
    expect(toUserView(state.profile!)).toEqual({ id: 'u1', username: 'Alice', email: 'alice@example.com', avatar: null, createdAt: '2024-01-01T00:00:00.000Z' });
    expect(toLoginUserView(state.profile!)).toEqual({ id: 'u1', username: 'Alice', email: 'alice@example.com', avatar: null });
  });
});

describe('login', () => {
  it('records the login and issues a new family', () => {
    spec
      .given([registered, f1Issued])
      .when({ type: 'LogIn', session: { familyId: 'f2', tokenHash: 'x1', expiresAt: T0 + DAY + 30 * DAY }, at: T0 + DAY })
      .then([
        { type: 'UserLoggedIn', data: { userId: 'u1', familyId: 'f2', at: T0 + DAY } },
        { type: 'RefreshTokenFamilyIssued', data: { userId: 'u1', familyId: 'f2', tokenHash: 'x1', issuedAt: T0 + DAY, expiresAt: T0 + 31 * DAY } },
      ]);
  });

  it('refuses a family id that was already used', () => {
    spec.given([registered, f1Issued]).when({ type: 'LogIn', session: { familyId: 'f1', tokenHash: 'x', expiresAt: T0 + DAY }, at: T0 }).thenFails('conflict');
  });

  it('refuses a session that ends before it starts', () => {
    spec.given([registered]).when({ type: 'LogIn', session: { familyId: 'f2', tokenHash: 'x', expiresAt: T0 }, at: T0 }).thenFails('invalid');
  });

  it('refuses a login for an unknown user', () => {
    spec.given([]).when({ type: 'LogIn', session: { familyId: 'f2', tokenHash: 'x', expiresAt: T0 + DAY }, at: T0 }).thenFails('not_found');
  });

  it('records failed logins and resets the count on success', () => {
    spec.given([registered]).when({ type: 'RecordLoginFailure', at: T0 + 1 }).then([{ type: 'UserLoginFailed', data: { userId: 'u1', at: T0 + 1 } }]);
    const failedTwice = fold(userDecider, [registered, { type: 'UserLoginFailed', data: { userId: 'u1', at: 1 } }, { type: 'UserLoginFailed', data: { userId: 'u1', at: 2 } }]);
    expect(failedTwice.failedLogins).toBe(2);
    const thenOk = userDecider.evolve(failedTwice, { type: 'UserLoggedIn', data: { userId: 'u1', familyId: 'f9', at: 3 } });
    expect(thenOk.failedLogins).toBe(0);
    expect(thenOk.lastLoginAt).toBe(3);
  });

  it('forgets expired families when a new one is issued', () => {
    const state = fold(userDecider, [
      registered,
      f1Issued,
      { type: 'RefreshTokenFamilyIssued', data: { userId: 'u1', familyId: 'f2', tokenHash: 'x1', issuedAt: T0 + 31 * DAY, expiresAt: T0 + 61 * DAY } },
    ]);
    expect(Object.keys(state.families)).toEqual(['f2']);
  });
});

describe('refresh-token rotation', () => {
  it('rotates the current token', () => {
    spec.given([registered, f1Issued]).when(refresh('t1', 't2', T0 + 1000)).then([rotated('f1', 't1', 't2', T0 + 1000)]);
    const outcome = decideRefresh(refresh('t1', 't2', T0 + 1000), fold(userDecider, [registered, f1Issued]));
    expect(outcome.kind).toBe('rotated');
  });

  it('a reused (already rotated) token revokes the whole family, without a DomainError', () => {
    const history = [registered, f1Issued, rotated('f1', 't1', 't2', T0 + 1000)];
    const outcome = decideRefresh(refresh('t1', 'evil', T0 + 2000), fold(userDecider, history));
    expect(outcome).toEqual({
      kind: 'reuse_detected',
      events: [{ type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f1', reason: 'reuse_detected', at: T0 + 2000 } }],
    });
    spec.given(history).when(refresh('t1', 'evil', T0 + 2000)).then(outcome.kind === 'reuse_detected' ? outcome.events : []);
  });

  it('after a reuse, even the legitimate current token is refused', () => {
    const history = [
      registered,
      f1Issued,
      rotated('f1', 't1', 't2', T0 + 1000),
      { type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f1', reason: 'reuse_detected', at: T0 + 2000 } } as UserEvent,
    ];
    expect(decideRefresh(refresh('t2', 't3', T0 + 3000), fold(userDecider, history))).toEqual({ kind: 'rejected', reason: 'revoked' });
    spec.given(history).when(refresh('t2', 't3', T0 + 3000)).thenFails('forbidden');
  });

  it('a token the family never had is refused but does not revoke it', () => {
    const state = fold(userDecider, [registered, f1Issued]);
    expect(decideRefresh(refresh('forged', 'x', T0 + 1), state)).toEqual({ kind: 'rejected', reason: 'unknown_token' });
  });

  it('refuses unknown families, unknown users and expired sessions', () => {
    const state = fold(userDecider, [registered, f1Issued]);
    expect(decideRefresh(refresh('t1', 'x', T0 + 1, 'nope'), state)).toEqual({ kind: 'rejected', reason: 'unknown_family' });
    expect(decideRefresh(refresh('t1', 'x', T0 + 1), userDecider.initialState)).toEqual({ kind: 'rejected', reason: 'unknown_user' });
    expect(decideRefresh(refresh('t1', 'x', T0 + 30 * DAY - 1), state).kind).toBe('rotated');
    expect(decideRefresh(refresh('t1', 'x', T0 + 30 * DAY), state)).toEqual({ kind: 'rejected', reason: 'expired' });
  });

  it('remembers a bounded number of rotated tokens', () => {
    const history: UserEvent[] = [registered, f1Issued];
    for (let i = 1; i <= REMEMBERED_ROTATED_TOKENS + 1; i++) history.push(rotated('f1', `t${i}`, `t${i + 1}`, T0 + i));
    const state = fold(userDecider, history);
    expect(state.families.f1!.rotatedTokenHashes).toHaveLength(REMEMBERED_ROTATED_TOKENS);
    expect(decideRefresh(refresh('t1', 'x', T0 + DAY), state)).toEqual({ kind: 'rejected', reason: 'unknown_token' });
    expect(decideRefresh(refresh('t2', 'x', T0 + DAY), state).kind).toBe('reuse_detected');
  });
});

describe('logout', () => {
  const f2Issued: UserEvent = { type: 'RefreshTokenFamilyIssued', data: { userId: 'u1', familyId: 'f2', tokenHash: 'x1', issuedAt: T0, expiresAt: T0 + DAY } };

  it('revokes the session of the access token', () => {
    spec
      .given([registered, f1Issued, f2Issued])
      .when({ type: 'LogOut', familyId: 'f2', at: T0 + 5 })
      .then([{ type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f2', reason: 'logout', at: T0 + 5 } }]);
  });

  it('revokes every live session with "all"', () => {
    spec
      .given([registered, f1Issued, f2Issued])
      .when({ type: 'LogOut', familyId: 'all', at: T0 + 5 })
      .then([
        { type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f1', reason: 'logout', at: T0 + 5 } },
        { type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f2', reason: 'logout', at: T0 + 5 } },
      ]);
  });

  it('is idempotent: logging out of an ended or unknown session appends nothing', () => {
    const loggedOut: UserEvent = { type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f2', reason: 'logout', at: T0 + 5 } };
    spec.given([registered, f1Issued, f2Issued, loggedOut]).when({ type: 'LogOut', familyId: 'f2', at: T0 + 6 }).then([]);
    spec.given([registered, f1Issued]).when({ type: 'LogOut', familyId: 'nope', at: T0 + 6 }).then([]);
  });

  it('a logged-out session is no longer active and its refresh token is refused', () => {
    const history: UserEvent[] = [registered, f1Issued, { type: 'RefreshTokenFamilyRevoked', data: { userId: 'u1', familyId: 'f1', reason: 'logout', at: T0 + 5 } }];
    const state = fold(userDecider, history);
    expect(isSessionActive(fold(userDecider, [registered, f1Issued]), 'f1', T0 + 5)).toBe(true);
    expect(isSessionActive(state, 'f1', T0 + 5)).toBe(false);
    expect(decideRefresh(refresh('t1', 't2', T0 + 6), state)).toEqual({ kind: 'rejected', reason: 'revoked' });
  });

  it('refuses a logout for an unknown user', () => {
    spec.given([]).when({ type: 'LogOut', familyId: 'all', at: T0 }).thenFails('not_found');
  });
});
