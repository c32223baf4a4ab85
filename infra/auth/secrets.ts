import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new room API key (shown once) with the hash that is stored and a short prefix for display. */
export function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = `sk_live_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}

/** API keys carry 192 random bits, so one SHA-256 is enough; a slow hash would only slow every request. */
export const hashApiKey = (key: string): string => hash('sha256', key, 'hex');

/** Stored hashes as bytes, so checking a key allocates no hex strings. */
const storedHashBytes = new Map<string, Buffer>();
/**
 * Keys that matched, by the stored hash they matched: an ingress source sends the same key with
 * every request, and hashing it each time showed in profiles. Only a presented key equal to one
 * that already matched is a hit, so the cache tells a caller nothing it did not already know; a
 * rotated key has a new stored hash and is hashed again (and refused).
 */
const matchedKeys = new Map<string, string>();
const MAX_CACHED = 10_000;

function boundedSet<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}

export function apiKeyMatches(presented: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  if (matchedKeys.get(presented) === storedHash) return true;
  let expected = storedHashBytes.get(storedHash);
  if (!expected) boundedSet(storedHashBytes, storedHash, (expected = Buffer.from(storedHash, 'hex')));
  const given = hash('sha256', presented, 'buffer');
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  if (matches) boundedSet(matchedKeys, presented, storedHash);
  return matches;
}

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `sha256=<hex>` of HMAC-SHA256(secret, signed bytes); the comparison is length-checked and constant-time. */
export function hmacSignatureMatches(header: string | undefined, secret: string, signed: Buffer): boolean {
  if (!header) return false;
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(signed).digest();
  const given = Buffer.from(m[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const hmacHex = (secret: string, data: Buffer | string): string => createHmac('sha256', secret).update(data).digest('hex');
