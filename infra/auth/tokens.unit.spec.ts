import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { apiKeyMatches, hmacHex, hmacSignatureMatches, newApiKey } from './secrets.js';
import { ISSUER, ROOM_AUDIENCE, TokenService } from './tokens.js';

const SECRET = 'x'.repeat(40);
const T0 = 1_700_000_000_000;

describe('token service', () => {
  const tokens = new TokenService(SECRET, () => T0);

  it('round-trips identity and room tokens, each only for its own audience', async () => {
    const id = await tokens.issueIdentity('discord:1', 60);
    expect(await tokens.verifyIdentity(id)).toEqual({ ok: true, claims: { sub: 'discord:1' } });
    expect(await tokens.verifyRoomToken(id)).toEqual({ ok: false, reason: 'invalid' });
    const room = await tokens.issueRoomToken({ sub: 'custom:u', room: 'r1', name: 'Bot', roles: ['bot'] }, 60);
    expect(await tokens.verifyRoomToken(room)).toEqual({ ok: true, claims: { sub: 'custom:u', room: 'r1', name: 'Bot', roles: ['bot'] } });
    expect(await tokens.verifyIdentity(room)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses expired, not-yet-valid, forged, wrong-key and alg:none tokens', async () => {
    const id = await tokens.issueIdentity('discord:1', 60);
    const later = new TokenService(SECRET, () => T0 + 61_000);
    expect(await later.verifyIdentity(id)).toEqual({ ok: false, reason: 'expired' });
    const earlier = new TokenService(SECRET, () => T0 - 10_000);
    expect((await earlier.verifyIdentity(id)).ok).toBe(false);
    const otherKey = new TokenService('y'.repeat(40), () => T0);
    expect(await otherKey.verifyIdentity(id)).toEqual({ ok: false, reason: 'invalid' });
    const [h, p] = id.split('.');
    expect((await tokens.verifyIdentity(`${h}.${p}.AAAA`)).ok).toBe(false);
    const none = new UnsecuredJWT({}).setIssuer(ISSUER).setAudience('parley').setSubject('discord:1').setExpirationTime(Math.floor(T0 / 1000) + 60).encode();
    expect((await tokens.verifyIdentity(none)).ok).toBe(false);
    const hs512 = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuer(ISSUER)
      .setAudience(ROOM_AUDIENCE)
      .setSubject('x')
      .setExpirationTime(Math.floor(T0 / 1000) + 60)
      .sign(new TextEncoder().encode(SECRET));
    expect((await tokens.verifyRoomToken(hs512)).ok).toBe(false);
    expect(await tokens.verifyIdentity('')).toEqual({ ok: false, reason: 'missing' });
    expect((await tokens.verifyIdentity('not.a.jwt')).ok).toBe(false);
  });
});

describe('secrets', () => {
  it('matches API keys by hash only', () => {
    const k = newApiKey();
    expect(k.key.startsWith('sk_live_')).toBe(true);
    expect(k.hash).not.toContain(k.key);
    expect(apiKeyMatches(k.key, k.hash)).toBe(true);
    expect(apiKeyMatches(k.key + 'x', k.hash)).toBe(false);
    expect(apiKeyMatches(k.key, null)).toBe(false);
  });

  it('refuses a key that matched before once the room has a new one (the match cache follows the stored hash)', () => {
    const old = newApiKey();
    const rotated = newApiKey();
    expect(apiKeyMatches(old.key, old.hash)).toBe(true);
    expect(apiKeyMatches(old.key, old.hash)).toBe(true);
    expect(apiKeyMatches(old.key, rotated.hash)).toBe(false);
    expect(apiKeyMatches(rotated.key, rotated.hash)).toBe(true);
    expect(apiKeyMatches(rotated.key, old.hash)).toBe(false);
  });

  it('checks HMAC signatures with the right length and format only', () => {
    const body = Buffer.from('{"type":"chat"}');
    const sig = hmacHex('s3cret', body);
    expect(hmacSignatureMatches(`sha256=${sig}`, 's3cret', body)).toBe(true);
    expect(hmacSignatureMatches(`sha256=${sig.toUpperCase()}`, 's3cret', body)).toBe(true);
    expect(hmacSignatureMatches(`sha256=${sig}`, 'other', body)).toBe(false);
    expect(hmacSignatureMatches(`sha256=${sig.slice(2)}`, 's3cret', body)).toBe(false);
    expect(hmacSignatureMatches(`sha256=${sig}00`, 's3cret', body)).toBe(false);
    expect(hmacSignatureMatches(sig, 's3cret', body)).toBe(false);
    expect(hmacSignatureMatches(undefined, 's3cret', body)).toBe(false);
  });
});
