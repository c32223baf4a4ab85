import type { EventStore } from '@parley/infra/event-store';

/**
 * The store with appends held back while this process's relay is more than `maxBehind` events
 * behind them. The relay hands each batch to every consumer of the in-process bus and waits for
 * them (the read models, and realtime while its network thread catches up on sending), so under
 * overload the writers, ingress above all, slow down to the pace at which events reach viewers.
 * Without it, a node whose sending runs beside the main thread (PARLEY_REALTIME_PORT) answered 202
 * as fast as it could append, and the log ran ahead of its viewers without bound.
 *
 * `relayPosition` gives null where this process runs no relay (cluster nodes): nothing is held.
 */
export function appendsHeldBehindRelay(store: EventStore, relayPosition: () => number | null, maxBehind: number): EventStore {
  let lastAppended = 0;
  let caughtUp: Promise<void> | undefined;
  const behind = () => {
    const relayed = relayPosition();
    return relayed === null ? 0 : lastAppended - relayed;
  };
  // One wait shared by every append held back: it polls only while the relay is behind.
  const relayCaughtUp = () =>
    (caughtUp ??= (async () => {
      while (behind() > maxBehind) await new Promise((r) => setTimeout(r, 1));
      caughtUp = undefined;
    })());
  return {
    ...store,
    async append(stream, events, expected) {
      if (behind() > maxBehind) await relayCaughtUp();
      const result = await store.append(stream, events, expected);
      if (result.position > lastAppended) lastAppended = result.position;
      return result;
    },
  };
}
