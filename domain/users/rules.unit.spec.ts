import { describe, expect, it } from 'vitest';
import { isAcceptablePassword, isValidEmail, isValidUsername, looksLikePasswordHash } from './rules.js';

describe('account field rules', () => {
  it('usernames: 3-32 of letters, digits, "_", "." and "-"', () => {
    for (const ok of ['abc', 'a'.repeat(32), 'Alice_B.c-9']) expect(isValidUsername(ok), ok).toBe(true);
    for (const bad of ['ab', 'a'.repeat(33), 'al ice', 'alice!', 'ålice', '', 'bob\n']) expect(isValidUsername(bad), bad).toBe(false);
  });

  it('passwords: 8-128 characters, counted as code points', () => {
    expect(isAcceptablePassword('1234567')).toBe(false);
    expect(isAcceptablePassword('12345678')).toBe(true);
    expect(isAcceptablePassword('x'.repeat(128))).toBe(true);
    expect(isAcceptablePassword('x'.repeat(129))).toBe(false);
    expect(isAcceptablePassword('😀'.repeat(8))).toBe(true);
    expect(isAcceptablePassword('😀'.repeat(4))).toBe(false);
  });

  it('emails: a pragmatic shape', () => {
    for (const ok of ['user@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie"]) expect(isValidEmail(ok), ok).toBe(true);
    for (const bad of ['', 'user', 'user@', '@example.com', 'user@example', 'a@b@example.com', 'us er@example.com', '.user@example.com', 'user..x@example.com', 'user@-example.com', 'user@example.c0m', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.com`]) {
      expect(isValidEmail(bad), bad).toBe(false);
    }
  });

  it('password hashes: PHC strings only', () => {
    expect(looksLikePasswordHash('$argon2id$v=19$m=19456,t=2,p=1$abc$def')).toBe(true);
    expect(looksLikePasswordHash('hunter2')).toBe(false);
    expect(looksLikePasswordHash('')).toBe(false);
  });
});
