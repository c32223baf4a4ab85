import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Short, URL-safe, random ids such as room ids (`k3x9a0f2mq1z`). */
export function shortId(length = 12, bytes: Buffer = randomBytes(length)): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % ALPHABET.length];
  return out;
}

export { newEventId as eventId } from '@parley/infra/event-store';

/**
 * A stable UUID-shaped id derived from a secret and some parts: a retried request with the
 * same Idempotency-Key yields the same event ids, so the store appends nothing new.
 */
export function derivedId(secret: Uint8Array | string, ...parts: string[]): string {
  const h = createHmac('sha256', secret).update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function derivedShortId(secret: Uint8Array | string, length: number, ...parts: string[]): string {
  return shortId(length, createHmac('sha256', secret).update(parts.join('\u0000')).digest());
}
