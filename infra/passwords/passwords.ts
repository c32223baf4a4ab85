import { timingSafeEqual } from 'node:crypto';
import { hash, hashRaw, type Algorithm, type Options, type Version } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (PHC strings, `$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
 *
 * Cost: OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). On this project's 2-core
 * machines one hash takes a few tens of milliseconds on the libuv pool, which keeps a login
 * burst (25 per 15 min per IP) cheap for us and expensive for an offline attacker.
 *
 * Constant time by construction: verification recomputes the raw hash with the stored
 * parameters and compares with `crypto.timingSafeEqual`; an unknown user is verified against
 * a dummy hash of the same cost, so "no such email" and "wrong password" cost the same.
 */

// The package's enums are `const enum`s, which isolatedModules cannot read; these are their values.
const ARGON2ID = 2 as Algorithm;
const VERSION_0x13 = 1 as Version;
const VERSION_0x10 = 0 as Version;

export const PASSWORD_HASH_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** Far above any accepted password (128 characters); only guards the hash function. */
const MAX_PASSWORD_BYTES = 4096;

export async function hashPassword(password: string): Promise<string> {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new RangeError('password too long to hash');
  return hash(password, { ...PASSWORD_HASH_OPTIONS, algorithm: ARGON2ID, version: VERSION_0x13 });
}

interface ParsedHash {
  options: Options;
  salt: Buffer;
  digest: Buffer;
}

const PHC = /^\$argon2id\$v=(16|19)\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{16,})$/;

/** Only argon2id is accepted: a stored hash of another algorithm is treated as not matching. */
function parseHash(stored: string): ParsedHash | null {
  const m = PHC.exec(stored);
  if (!m) return null;
  const salt = Buffer.from(m[5]!, 'base64');
  const digest = Buffer.from(m[6]!, 'base64');
  const options: Options = {
    algorithm: ARGON2ID,
    version: m[1] === '19' ? VERSION_0x13 : VERSION_0x10,
    memoryCost: Number(m[2]),
    timeCost: Number(m[3]),
    parallelism: Number(m[4]),
    outputLen: digest.length,
    salt,
  };
  return { options, salt, digest };
}

let dummy: Promise<ParsedHash> | null = null;
/** A hash of a random-looking password at today's cost, made once per process. */
function dummyHash(): Promise<ParsedHash> {
  dummy ??= hashPassword(`dummy-${process.pid}-${Date.now()}`).then((stored) => parseHash(stored)!);
  return dummy;
}

/**
 * True when `password` matches `stored`. Pass `null` when the user does not exist: the same
 * work is done against a dummy hash and the answer is false.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  const target = parsed ?? (await dummyHash());
  const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
  const candidate = await hashRaw(tooLong ? '' : password, target.options);
  const same = candidate.length === target.digest.length && timingSafeEqual(candidate, target.digest);
  return same && parsed !== null && !tooLong;
}

/** True when a stored hash was made with other parameters than today's (rehash after a successful login). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { memoryCost, timeCost, parallelism, outputLen, version } = parsed.options;
  return (
    version !== VERSION_0x13 ||
    memoryCost !== PASSWORD_HASH_OPTIONS.memoryCost ||
    timeCost !== PASSWORD_HASH_OPTIONS.timeCost ||
    parallelism !== PASSWORD_HASH_OPTIONS.parallelism ||
    outputLen !== PASSWORD_HASH_OPTIONS.outputLen
  );
}
