import { identifierStream, type IdentifierEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { deciderSpec } from '../shared/spec.js';
import { ABANDONED_RESERVATION_MS, holderOf, identifierDecider, type ReserveIdentifier } from './reservation.js';

const spec = deciderSpec(identifierDecider);
const T0 = 1_704_067_200_000;
const reserve = (userId: string, at = T0, extra: Partial<ReserveIdentifier> = {}): ReserveIdentifier => ({
  type: 'ReserveIdentifier',
  kind: 'username',
  value: ' Alice ',
  userId,
  at,
  ...extra,
});
const reserved = (userId: string, at = T0, replaces: string | null = null): IdentifierEvent => ({
  type: 'IdentifierReserved',
  data: { kind: 'username', key: 'alice', userId, replaces, at },
});

describe('username and email reservations', () => {
  it('streams are keyed case-insensitively', () => {
    expect(identifierStream('username', ' Alice ')).toBe('username-alice');
    expect(identifierStream('email', 'Alice@Example.COM')).toBe('email-alice@example.com');
  });

  it('reserves a free name', () => {
    spec.given([]).when(reserve('u1')).then([reserved('u1')]);
    expect(holderOf(fold(identifierDecider, [reserved('u1')]))).toBe('u1');
  });

  it('a retry by the same user appends nothing', () => {
    spec.given([reserved('u1')]).when(reserve('u1', T0 + 1)).then([]);
  });

  it('a name held by someone else is already_exists, whatever its case', () => {
    spec.given([reserved('u1')]).when(reserve('u2', T0 + 1, { value: 'ALICE' })).thenFails('already_exists');
  });

  it('an abandoned reservation is taken over only when old enough and the holder has no account', () => {
    spec.given([reserved('u1')]).when(reserve('u2', T0 + ABANDONED_RESERVATION_MS - 1, { holderHasNoAccount: true })).thenFails('already_exists');
    spec.given([reserved('u1')]).when(reserve('u2', T0 + ABANDONED_RESERVATION_MS)).thenFails('already_exists');
    spec
      .given([reserved('u1')])
      .when(reserve('u2', T0 + ABANDONED_RESERVATION_MS, { holderHasNoAccount: true }))
      .then([reserved('u2', T0 + ABANDONED_RESERVATION_MS, 'u1')]);
  });

  it('validates the value for its kind', () => {
    spec.given([]).when(reserve('u1', T0, { value: 'a b' })).thenFails('invalid');
    spec.given([]).when(reserve('u1', T0, { kind: 'email', value: 'not-an-email' })).thenFails('invalid');
    spec
      .given([])
      .when(reserve('u1', T0, { kind: 'email', value: 'Alice@Example.com' }))
      .then([{ type: 'IdentifierReserved', data: { kind: 'email', key: 'alice@example.com', userId: 'u1', replaces: null, at: T0 } }]);
  });

  it('the holder can release (registration compensation); others cannot', () => {
    const release = (userId: string) => ({ type: 'ReleaseIdentifier' as const, kind: 'username' as const, value: 'alice', userId, at: T0 + 1 });
    spec.given([reserved('u1')]).when(release('u1')).then([{ type: 'IdentifierReleased', data: { kind: 'username', key: 'alice', userId: 'u1', at: T0 + 1 } }]);
    spec.given([reserved('u1')]).when(release('u2')).thenFails('forbidden');
    spec.given([]).when(release('u1')).then([]);
  });

  it('a released name can be reserved again by anyone', () => {
    const released: IdentifierEvent = { type: 'IdentifierReleased', data: { kind: 'username', key: 'alice', userId: 'u1', at: T0 + 1 } };
    spec.given([reserved('u1'), released]).when(reserve('u2', T0 + 2)).then([reserved('u2', T0 + 2)]);
  });
});
