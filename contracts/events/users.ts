/**
 * Events of user accounts.
 *
 * Three kinds of stream:
 * - `user-<userId>`: one account (registration, logins, refresh-token families);
 * - `username-<lowercased username>` and `email-<lowercased email>`: uniqueness reservations.
 *   One user's stream cannot know whether another user already took a name, so each name gets
 *   its own tiny stream whose first append uses the `no_stream` expected revision: of two
 *   concurrent registrations the store lets exactly one win. The reservation also serves as the
 *   lookup from email (login) or username to the user id.
 *
 * Secrets: `passwordHash` is an argon2id PHC string; refresh tokens are only ever stored as
 * SHA-256 hashes (`tokenHash`). No projection may expose either.
 */

export const userStream = (userId: string) => `user-${userId}`;
export const userIdOfStream = (stream: string): string | undefined => (stream.startsWith('user-') ? stream.slice(5) : undefined);

export type IdentifierKind = 'username' | 'email';

/** The reservation key: case-insensitive, surrounding blanks ignored. */
export const identifierKey = (value: string): string => value.trim().toLowerCase();

/** `username-<key>` or `email-<key>`. */
export const identifierStream = (kind: IdentifierKind, value: string) => `${kind}-${identifierKey(value)}`;

export interface UserRegistered {
  type: 'UserRegistered';
  data: {
    userId: string;
    /** Display form, as typed at registration. */
    username: string;
    email: string;
    passwordHash: string;
    avatar: null;
    createdAt: number;
  };
}

/** The password was verified by the edge; a session (refresh-token family) starts with it. */
export interface UserLoggedIn {
  type: 'UserLoggedIn';
  data: { userId: string; familyId: string; at: number };
}

/** Kept for the audit trail and a future lockout rule; nothing reads it yet. */
export interface UserLoginFailed {
  type: 'UserLoginFailed';
  data: { userId: string; at: number };
}

/** A new refresh-token family: one per session (login or registration). */
export interface RefreshTokenFamilyIssued {
  type: 'RefreshTokenFamilyIssued';
  data: {
    userId: string;
    familyId: string;
    tokenHash: string;
    issuedAt: number;
    /** Absolute end of the session (ms epoch); rotation does not extend it. */
    expiresAt: number;
  };
}

/** The family's current token was used once and replaced. */
export interface RefreshTokenRotated {
  type: 'RefreshTokenRotated';
  data: { userId: string; familyId: string; previousTokenHash: string; tokenHash: string; at: number };
}

export type RefreshFamilyRevocationReason = 'logout' | 'reuse_detected';

export interface RefreshTokenFamilyRevoked {
  type: 'RefreshTokenFamilyRevoked';
  data: { userId: string; familyId: string; reason: RefreshFamilyRevocationReason; at: number };
}

export type UserEvent =
  | UserRegistered
  | UserLoggedIn
  | UserLoginFailed
  | RefreshTokenFamilyIssued
  | RefreshTokenRotated
  | RefreshTokenFamilyRevoked;

export type UserEventType = UserEvent['type'];

/** A username or email taken by a user (stream `username-<key>` / `email-<key>`). */
export interface IdentifierReserved {
  type: 'IdentifierReserved';
  data: {
    kind: IdentifierKind;
    key: string;
    userId: string;
    /** Set when an abandoned reservation (its holder never got an account) was taken over. */
    replaces: string | null;
    at: number;
  };
}

export interface IdentifierReleased {
  type: 'IdentifierReleased';
  data: { kind: IdentifierKind; key: string; userId: string; at: number };
}

export type IdentifierEvent = IdentifierReserved | IdentifierReleased;

export type IdentifierEventType = IdentifierEvent['type'];
