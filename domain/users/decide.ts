import type { RefreshTokenFamilyIssued, RefreshTokenFamilyRevoked, UserEvent } from '@parley/contracts';
import { fail, isDomainError, type Decider, type DomainError } from '../shared/decider.js';
import type { LogIn, LogOut, NewSession, RecordLoginFailure, RegisterUser, RotateRefreshToken, UserCommand } from './commands.js';
import { isValidEmail, isValidUsername, looksLikePasswordHash } from './rules.js';
import { evolveUser, initialUserState, type UserProfile, type UserState } from './state.js';

/**
 * What `POST /auth/refresh` turns into. Only `rotated` answers 200; the other two answer 401.
 * `reuse_detected` still carries events (the family's revocation), which must be appended
 * before answering: a refresh token that was already rotated away is being replayed, so the
 * whole session is treated as stolen.
 */
export type RefreshOutcome =
  | { kind: 'rotated'; events: UserEvent[] }
  | { kind: 'reuse_detected'; events: UserEvent[] }
  | { kind: 'rejected'; reason: RefreshRejection };

export type RefreshRejection = 'unknown_user' | 'unknown_family' | 'unknown_token' | 'revoked' | 'expired';

export function decideRefresh(command: RotateRefreshToken, state: UserState): RefreshOutcome {
  const profile = state.profile;
  if (!profile) return { kind: 'rejected', reason: 'unknown_user' };
  const family = state.families[command.familyId];
  if (!family) return { kind: 'rejected', reason: 'unknown_family' };
  if (family.revoked) return { kind: 'rejected', reason: 'revoked' };
  if (family.expiresAt <= command.at) return { kind: 'rejected', reason: 'expired' };
  // Comparing hashes of 256-bit random secrets: timing reveals nothing usable, so plain equality is fine.
  if (command.presentedTokenHash === family.currentTokenHash) {
    return {
      kind: 'rotated',
      events: [
        {
          type: 'RefreshTokenRotated',
          data: { userId: profile.userId, familyId: family.familyId, previousTokenHash: family.currentTokenHash, tokenHash: command.nextTokenHash, at: command.at },
        },
      ],
    };
  }
  if (family.rotatedTokenHashes.includes(command.presentedTokenHash)) {
    return { kind: 'reuse_detected', events: [revoke(profile, family.familyId, 'reuse_detected', command.at)] };
  }
  // Not a token this family ever had (a forgery or a typo): refused, but it must not let a
  // stranger who knows a family id end someone else's session.
  return { kind: 'rejected', reason: 'unknown_token' };
}

function register(command: RegisterUser, state: UserState): UserEvent[] | DomainError {
  if (state.profile) return fail('already_exists', 'user already registered');
  if (!isValidUsername(command.username)) return fail('invalid', 'username must be 3-32 letters, digits, "_", "." or "-"');
  if (!isValidEmail(command.email)) return fail('invalid', 'email is not a valid address');
  if (!looksLikePasswordHash(command.passwordHash)) return fail('invalid', 'password hash is not a PHC string');
  const profile: UserProfile = {
    userId: command.userId,
    username: command.username,
    email: command.email.trim(),
    passwordHash: command.passwordHash,
    avatar: null,
    createdAt: command.at,
  };
  const registered: UserEvent = { type: 'UserRegistered', data: { ...profile } };
  if (!command.session) return [registered];
  const issued = issue(profile, command.session, command.at, state);
  return isDomainError(issued) ? issued : [registered, ...issued];
}

function logIn(command: LogIn, state: UserState): UserEvent[] | DomainError {
  if (!state.profile) return fail('not_found', 'no such user');
  const issued = issue(state.profile, command.session, command.at, state);
  if (isDomainError(issued)) return issued;
  return [{ type: 'UserLoggedIn', data: { userId: state.profile.userId, familyId: command.session.familyId, at: command.at } }, ...issued];
}

function issue(profile: UserProfile, session: NewSession, at: number, state: UserState): RefreshTokenFamilyIssued[] | DomainError {
  if (state.families[session.familyId]) return fail('conflict', 'refresh-token family id already used');
  if (session.expiresAt <= at) return fail('invalid', 'session must end after it starts');
  return [
    {
      type: 'RefreshTokenFamilyIssued',
      data: { userId: profile.userId, familyId: session.familyId, tokenHash: session.tokenHash, issuedAt: at, expiresAt: session.expiresAt },
    },
  ];
}

function recordLoginFailure(command: RecordLoginFailure, state: UserState): UserEvent[] | DomainError {
  if (!state.profile) return fail('not_found', 'no such user');
  return [{ type: 'UserLoginFailed', data: { userId: state.profile.userId, at: command.at } }];
}

/** Logging out twice, or out of a session that already ended, changes nothing and is not an error. */
function logOut(command: LogOut, state: UserState): UserEvent[] | DomainError {
  const profile = state.profile;
  if (!profile) return fail('not_found', 'no such user');
  const families = command.familyId === 'all' ? Object.values(state.families) : [state.families[command.familyId]].filter((f) => f !== undefined);
  return families.filter((family) => family.revoked === null && family.expiresAt > command.at).map((family) => revoke(profile, family.familyId, 'logout', command.at));
}

const revoke = (profile: UserProfile, familyId: string, reason: 'logout' | 'reuse_detected', at: number): RefreshTokenFamilyRevoked => ({
  type: 'RefreshTokenFamilyRevoked',
  data: { userId: profile.userId, familyId, reason, at },
});

/**
 * The user aggregate (stream `user-<userId>`). For `RotateRefreshToken` prefer
 * `decideRefresh`, which tells a rotation from a detected reuse; through `decide` a reuse
 * yields the revocation events and every other refusal a `forbidden` error.
 */
export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide(command, state) {
    switch (command.type) {
      case 'RegisterUser':
        return register(command, state);
      case 'LogIn':
        return logIn(command, state);
      case 'RecordLoginFailure':
        return recordLoginFailure(command, state);
      case 'RotateRefreshToken': {
        const outcome = decideRefresh(command, state);
        return outcome.kind === 'rejected' ? fail('forbidden', `refresh token refused: ${outcome.reason}`) : outcome.events;
      }
      case 'LogOut':
        return logOut(command, state);
    }
  },
};
