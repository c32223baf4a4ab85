/** A new session's first refresh token: only its hash reaches the domain. */
export interface NewSession {
  familyId: string;
  tokenHash: string;
  /** Absolute end of the session (ms epoch). */
  expiresAt: number;
}

/** Registration; the edge has validated the password (8–128) and hashed it (argon2id). */
export interface RegisterUser {
  type: 'RegisterUser';
  userId: string;
  username: string;
  email: string;
  passwordHash: string;
  /** Registration answers with a token, so it may start a session at once. */
  session: NewSession | null;
  at: number;
}

/** The edge verified the password against this user's hash. */
export interface LogIn {
  type: 'LogIn';
  session: NewSession;
  at: number;
}

/** The edge found the user but the password did not verify. */
export interface RecordLoginFailure {
  type: 'RecordLoginFailure';
  at: number;
}

/** `POST /auth/refresh`: trade the presented refresh token for the next one. */
export interface RotateRefreshToken {
  type: 'RotateRefreshToken';
  familyId: string;
  presentedTokenHash: string;
  nextTokenHash: string;
  at: number;
}

/** `POST /auth/logout`: end one session (the access token's family) or all of them. */
export interface LogOut {
  type: 'LogOut';
  familyId: string | 'all';
  at: number;
}

export type UserCommand = RegisterUser | LogIn | RecordLoginFailure | RotateRefreshToken | LogOut;
