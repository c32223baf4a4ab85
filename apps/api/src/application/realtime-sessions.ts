import { userIdOfStream } from '@parley/contracts';
import type { AccessRecheck, Principal } from '@parley/infra/realtime';

/*
 * The account session each realtime connection was admitted on, so that ending the session
 * (logout, or a refresh-token reuse) closes the connections it opened, in every room, and not
 * only refuses new ones. Connections without an account session (room tokens, guests,
 * `discord:…` identity tokens) are not remembered and never closed this way.
 */

const sessionOfPrincipal = new WeakMap<Principal, string>();

const sessionKey = (userId: string, sid: string) => `${userId}/${sid}`;

/** Remembers that `principal` was admitted on `session` (an account id and its refresh-token family). */
export function admittedOnSession<P extends Principal>(principal: P, session: { userId: string; sid: string }): P {
  sessionOfPrincipal.set(principal, sessionKey(session.userId, session.sid));
  return principal;
}

export const sessionRecheck: Pick<Required<AccessRecheck>, 'sessionOf' | 'sessionEndedBy'> = {
  sessionOf: (principal) => sessionOfPrincipal.get(principal),
  sessionEndedBy(event) {
    if (event.type !== 'RefreshTokenFamilyRevoked') return undefined;
    const userId = userIdOfStream(event.stream);
    const familyId = (event.data as { familyId?: unknown } | null)?.familyId;
    return userId !== undefined && typeof familyId === 'string' ? sessionKey(userId, familyId) : undefined;
  },
};
