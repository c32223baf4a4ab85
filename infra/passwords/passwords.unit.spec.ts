import { hash, verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, PASSWORD_HASH_OPTIONS, verifyPassword } from './passwords.js';

describe('password hashing (argon2id)', () => {
  it('hashes with argon2id at the configured cost, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${PASSWORD_HASH_OPTIONS.memoryCost},t=${PASSWORD_HASH_OPTIONS.timeCost},p=${PASSWORD_HASH_OPTIONS.parallelism}\\$`));
    expect(a).not.toBe(b);
    expect(needsRehash(a)).toBe(false);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('agrees with the library on hashes made by either side', async () => {
    const ours = await hashPassword('pässwörd-ünïcode');
    expect(await verify(ours, 'pässwörd-ünïcode')).toBe(true);
    const theirs = await hash('another one', { memoryCost: 8192, timeCost: 3, parallelism: 1 });
    expect(await verifyPassword(theirs, 'another one')).toBe(true);
    expect(await verifyPassword(theirs, 'another two')).toBe(false);
    expect(needsRehash(theirs)).toBe(true);
  });

  it('an unknown user (null hash) is verified against a dummy and always refused', async () => {
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
    expect(await verifyPassword(null, '')).toBe(false);
  });

  it('refuses hashes that are not argon2id or are malformed, without throwing', async () => {
    const argon2i = await hash('pw123456', { algorithm: 1 as never });
    expect(argon2i.startsWith('$argon2i$')).toBe(true);
    expect(await verifyPassword(argon2i, 'pw123456')).toBe(false);
    expect(await verifyPassword('not a hash', 'pw123456')).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$$', 'pw123456')).toBe(false);
    expect(needsRehash('not a hash')).toBe(true);
  });

  it('refuses absurdly long passwords', async () => {
    const stored = await hashPassword('short password');
    await expect(hashPassword('x'.repeat(5000))).rejects.toThrow(RangeError);
    expect(await verifyPassword(stored, 'x'.repeat(5000))).toBe(false);
  });

  it('a wrong password and an unknown user cost about the same', async () => {
    const stored = await hashPassword('correct horse battery');
    await verifyPassword(null, 'warm up');
    const time = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      wrong.push(await time(() => verifyPassword(stored, `guess-${i}`)));
      unknown.push(await time(() => verifyPassword(null, `guess-${i}`)));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
    // Same algorithm and cost on both paths; the bound is loose because the machine is shared.
    expect(median(unknown)).toBeGreaterThan(median(wrong) / 3);
    expect(median(unknown)).toBeLessThan(median(wrong) * 3);
  });
});
