import { roomIdOfStream, type UserModerated } from '@parley/contracts/events';
import type { AccessRecheck } from '@parley/infra/realtime';

/**
 * A ban closes the banned user's open connections to that room (4403, reason `banned`), on every
 * fan-out node, as the ban reaches it on the bus; a new connection is refused at authentication.
 * A ban that has already ended when it arrives (`until` in the past) closes nothing.
 */
export function banRecheck(now: () => number): Required<Pick<AccessRecheck, 'revokedBy'>> {
  return {
    revokedBy(event) {
      if (event.type !== 'UserModerated') return undefined;
      const { action, target, until } = event.data as UserModerated['data'];
      if (action !== 'ban' || (until !== null && until <= now())) return undefined;
      const roomId = roomIdOfStream(event.stream);
      return roomId === undefined ? undefined : { roomId, userId: target };
    },
  };
}
