import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Opaque refresh tokens: `rt1.<userId>.<familyId>.<secret>`.
 *
 * The user id tells the surface which `user-<id>` stream to load, the family id which session;
 * the secret is 256 random bits. Only `hashRefreshToken(token)` (SHA-256 of the whole token,
 * hex) is stored, in the user's events; with that much entropy a fast hash is enough and no
 * salt is needed. Tokens are opaque rather than JWTs, so nothing about them can be forged
 * or downgraded without the store; their lifetime is the family's `expiresAt` in the domain.
 */

const PREFIX = 'rt1';
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedRefreshToken {
  /** Give to the client; never store it. */
  token: string;
  tokenHash: string;
}

export interface ParsedRefreshToken {
  userId: string;
  familyId: string;
}

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const newRefreshFamilyId = (): string => randomUUID();

/** A token for a session: the family's first, or the next one on rotation. */
export function issueRefreshToken(userId: string, familyId: string): IssuedRefreshToken {
  if (!ID.test(userId) || !ID.test(familyId)) throw new RangeError('user and family ids must be url-safe');
  const token = `${PREFIX}.${userId}.${familyId}.${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashRefreshToken(token) };
}

/** Where a presented token points, or null when it is not one of ours (answer 401). */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) return null;
  const [, userId, familyId, secret] = parts as [string, string, string, string];
  if (!ID.test(userId) || !ID.test(familyId) || !SECRET.test(secret)) return null;
  return { userId, familyId };
}
