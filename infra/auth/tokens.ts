import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Parley-issued JWTs, HS256 only (the algorithm is pinned on verify, so `alg: none` and
 * asymmetric-confusion tokens are refused). Two kinds, told apart by audience:
 * - identity tokens (`aud: parley`): who the caller is (`sub` = `provider:id`);
 * - room tokens (`aud: parley:room`): a user's access to one room, with display name and roles.
 */
export const ISSUER = 'parley';
export const IDENTITY_AUDIENCE = 'parley';
export const ROOM_AUDIENCE = 'parley:room';
const ALG = 'HS256';

export interface IdentityClaims {
  sub: string;
  /** Account access tokens only (`sub` = `user:<userId>`): the account's username. */
  username?: string;
  /** Account access tokens only: the session (refresh-token family) the token belongs to. */
  sid?: string;
}

/** What an account access token says: `sub` is `user:<userId>`. */
export interface AccountTokenClaims {
  userId: string;
  username: string;
  sid: string;
}

export const ACCOUNT_SUBJECT_PREFIX = 'user:';

export interface RoomTokenClaims {
  sub: string;
  room: string;
  name: string;
  roles: string[];
}

export type VerifyFailure = 'missing' | 'expired' | 'invalid';

export class TokenService {
  private readonly key: Uint8Array;
  constructor(
    secret: string | Uint8Array,
    private readonly now: () => number = Date.now,
  ) {
    this.key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (this.key.length < 32) throw new Error('JWT secret must be at least 32 bytes');
  }

  async issueIdentity(sub: string, ttlSeconds: number): Promise<string> {
    return this.sign({}, sub, IDENTITY_AUDIENCE, ttlSeconds);
  }

  /** An identity token for a Parley account, bound to one session so logout can end it early. */
  async issueAccountToken(claims: AccountTokenClaims, ttlSeconds: number): Promise<string> {
    return this.sign({ username: claims.username, sid: claims.sid }, `${ACCOUNT_SUBJECT_PREFIX}${claims.userId}`, IDENTITY_AUDIENCE, ttlSeconds);
  }

  async issueRoomToken(claims: RoomTokenClaims, ttlSeconds: number): Promise<string> {
    return this.sign({ room: claims.room, name: claims.name, roles: claims.roles }, claims.sub, ROOM_AUDIENCE, ttlSeconds);
  }

  async verifyIdentity(token: string): Promise<{ ok: true; claims: IdentityClaims } | { ok: false; reason: VerifyFailure }> {
    const r = await this.verify(token, IDENTITY_AUDIENCE);
    if (!r.ok) return r;
    const { sub, username, sid } = r.payload as Record<string, unknown>;
    if (typeof sub !== 'string' || !sub) return { ok: false, reason: 'invalid' };
    const claims: IdentityClaims = { sub };
    if (typeof username === 'string' && username) claims.username = username;
    if (typeof sid === 'string' && sid) claims.sid = sid;
    return { ok: true, claims };
  }

  async verifyRoomToken(token: string): Promise<{ ok: true; claims: RoomTokenClaims } | { ok: false; reason: VerifyFailure }> {
    const r = await this.verify(token, ROOM_AUDIENCE);
    if (!r.ok) return r;
    const { sub, room, name, roles } = r.payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof room !== 'string' || typeof name !== 'string' || !Array.isArray(roles) || !roles.every((x) => typeof x === 'string')) {
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, claims: { sub, room, name, roles: roles as string[] } };
  }

  private async sign(extra: Record<string, unknown>, sub: string, audience: string, ttlSeconds: number): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return new SignJWT(extra)
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(this.key);
  }

  private async verify(token: string, audience: string) {
    if (!token) return { ok: false as const, reason: 'missing' as const };
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'sub'],
      });
      return { ok: true as const, payload };
    } catch (error) {
      return { ok: false as const, reason: error instanceof errors.JWTExpired ? ('expired' as const) : ('invalid' as const) };
    }
  }
}

/** `Authorization: Bearer <x>` → x, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1]! : null;
}
