import { describe, expect, it } from 'vitest';
import { hashRefreshToken, issueRefreshToken, newRefreshFamilyId, parseRefreshToken } from './refresh-tokens.js';

describe('refresh tokens', () => {
  const userId = '7f1c2a9e-4b1d-4c55-9a7e-0f6b2d3c4e5f';

  it('round-trips user and family, and stores only a hash', () => {
    const familyId = newRefreshFamilyId();
    const { token, tokenHash } = issueRefreshToken(userId, familyId);
    expect(parseRefreshToken(token)).toEqual({ userId, familyId });
    expect(tokenHash).toBe(hashRefreshToken(token));
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash).not.toContain(token.split('.')[3]);
  });

  it('every token is different, even for the same family', () => {
    const familyId = newRefreshFamilyId();
    const tokens = new Set(Array.from({ length: 100 }, () => issueRefreshToken(userId, familyId).token));
    expect(tokens.size).toBe(100);
  });

  it('refuses what is not one of our tokens', () => {
    const { token } = issueRefreshToken(userId, 'fam');
    for (const bad of ['', 'rt1', `rt2.${userId}.fam.${token.split('.')[3]}`, `${token}.x`, token.slice(0, -1), `rt1.${userId}.fa m.${token.split('.')[3]}`, 'eyJhbGciOiJIUzI1NiJ9.e30.sig']) {
      expect(parseRefreshToken(bad), bad).toBeNull();
    }
  });

  it('a changed token hashes differently', () => {
    const { token, tokenHash } = issueRefreshToken(userId, 'fam');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(hashRefreshToken(flipped)).not.toBe(tokenHash);
  });

  it('refuses ids that would break the format', () => {
    expect(() => issueRefreshToken('a.b', 'fam')).toThrow(RangeError);
  });
});
