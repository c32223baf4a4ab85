import type { UserEvent } from '@parley/contracts';

/**
 * How many already-rotated token hashes a family remembers for reuse detection. A token older
 * than that is merely unknown (still refused, but it no longer revokes the family). At one
 * rotation per 15-minute access token this covers about ten days of an active session.
 */
export const REMEMBERED_ROTATED_TOKENS = 1000;

export interface UserProfile {
  userId: string;
  username: string;
  email: string;
  passwordHash: string;
  avatar: null;
  createdAt: number;
}

export interface RefreshFamily {
  familyId: string;
  currentTokenHash: string;
  /** Hashes of tokens already rotated away, oldest first. */
  rotatedTokenHashes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: { at: number; reason: 'logout' | 'reuse_detected' } | null;
}

/** Plain data (no Map/Set) so a read model may store it as JSON. */
export interface UserState {
  profile: UserProfile | null;
  families: Record<string, RefreshFamily>;
  /** Failed logins since the last successful one. */
  failedLogins: number;
  lastLoginAt: number | null;
}

export const initialUserState: UserState = { profile: null, families: {}, failedLogins: 0, lastLoginAt: null };

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, username, email, passwordHash, createdAt } = event.data;
      return { ...state, profile: { userId, username, email, passwordHash, avatar: null, createdAt } };
    }
    case 'UserLoggedIn':
      return { ...state, failedLogins: 0, lastLoginAt: event.data.at };
    case 'UserLoginFailed':
      return { ...state, failedLogins: state.failedLogins + 1 };
    case 'RefreshTokenFamilyIssued': {
      const { familyId, tokenHash, issuedAt, expiresAt } = event.data;
      const family: RefreshFamily = { familyId, currentTokenHash: tokenHash, rotatedTokenHashes: [], issuedAt, expiresAt, revoked: null };
      return { ...state, families: { ...withoutExpiredFamilies(state.families, issuedAt), [familyId]: family } };
    }
    case 'RefreshTokenRotated': {
      const family = state.families[event.data.familyId];
      if (!family) return state;
      const rotated = [...family.rotatedTokenHashes, event.data.previousTokenHash].slice(-REMEMBERED_ROTATED_TOKENS);
      return withFamily(state, { ...family, currentTokenHash: event.data.tokenHash, rotatedTokenHashes: rotated });
    }
    case 'RefreshTokenFamilyRevoked': {
      const family = state.families[event.data.familyId];
      if (!family) return state;
      return withFamily(state, { ...family, revoked: { at: event.data.at, reason: event.data.reason } });
    }
  }
}

const withFamily = (state: UserState, family: RefreshFamily): UserState => ({
  ...state,
  families: { ...state.families, [family.familyId]: family },
});

/**
 * Expired sessions are forgotten when a new one starts, so the state of a user who logs in
 * every day stays small. A token of a forgotten family is simply unknown (refused).
 */
function withoutExpiredFamilies(families: Record<string, RefreshFamily>, now: number): Record<string, RefreshFamily> {
  return Object.fromEntries(Object.entries(families).filter(([, family]) => family.expiresAt > now));
}

/**
 * Whether an access token bound to this session (its `sid` claim) may still be honoured:
 * lets the HTTP layer refuse access tokens of a logged-out or compromised session before
 * they expire.
 */
export function isSessionActive(state: UserState, familyId: string, now: number): boolean {
  const family = state.families[familyId];
  return !!family && family.revoked === null && family.expiresAt > now;
}
