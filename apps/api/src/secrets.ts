import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

/**
 * The JWT signing key: `PARLEY_JWT_SECRET`, else one generated on first start and kept in the
 * data dir (mode 600), so tokens survive restarts and the CLI can mint tokens the server accepts.
 */
export function serverSecret(config: Pick<Config, 'PARLEY_JWT_SECRET' | 'PARLEY_DATA_DIR'>): string {
  if (config.PARLEY_JWT_SECRET) return config.PARLEY_JWT_SECRET;
  const file = join(config.PARLEY_DATA_DIR, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.PARLEY_DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * The key nodes present to each other's internal endpoints (`GET /internal/online`), derived from
 * the secret every node of a cluster shares. Without it such an endpoint answers as an unknown
 * route: which rooms have viewers is not for anyone who can reach a node's port.
 */
export const internalKeyFrom = (secret: string): string => createHash('sha256').update(`parley-internal:${secret}`).digest('hex');

/** The header that carries `internalKeyFrom(secret)`. */
export const INTERNAL_KEY_HEADER = 'x-parley-internal-key';

/** A second key, derived, for ids made from Idempotency-Keys. */
export const idSecretFrom = (secret: string): Uint8Array => createHash('sha256').update(`parley-ids:${secret}`).digest();
