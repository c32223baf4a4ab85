import { describe, expect, it } from 'vitest';
import { userStream } from '@parley/contracts';
import { admittedOnSession, sessionRecheck } from './realtime-sessions.js';

const principal = () => ({ userId: 'user:u1', displayName: 'Una', roles: [], isModerator: false });
const revoked = (userId: string, familyId: string) => ({
  stream: userStream(userId),
  type: 'RefreshTokenFamilyRevoked',
  data: { userId, familyId, reason: 'logout', at: 1 },
});

describe('sessionRecheck', () => {
  it('an account’s revoked refresh-token family ends the session its connections were admitted on', () => {
    const p = admittedOnSession(principal(), { userId: 'u1', sid: 'f1' });
    expect(sessionRecheck.sessionEndedBy(revoked('u1', 'f1'))).toBe(sessionRecheck.sessionOf(p));
    expect(sessionRecheck.sessionEndedBy(revoked('u1', 'f2'))).not.toBe(sessionRecheck.sessionOf(p));
    expect(sessionRecheck.sessionEndedBy(revoked('u2', 'f1'))).not.toBe(sessionRecheck.sessionOf(p));
  });

  it('other events end no session, and a principal admitted without one has none', () => {
    expect(sessionRecheck.sessionEndedBy({ stream: userStream('u1'), type: 'RefreshTokenRotated', data: { familyId: 'f1' } })).toBeUndefined();
    expect(sessionRecheck.sessionEndedBy({ stream: 'room-r1', type: 'RefreshTokenFamilyRevoked', data: { familyId: 'f1' } })).toBeUndefined();
    expect(sessionRecheck.sessionEndedBy({ stream: userStream('u1'), type: 'RefreshTokenFamilyRevoked', data: null })).toBeUndefined();
    expect(sessionRecheck.sessionOf(principal())).toBeUndefined();
  });
});
