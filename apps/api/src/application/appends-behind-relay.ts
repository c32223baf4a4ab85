import type { EventStore } from '@parley/infra/event-store';

/** What a writer held behind the relay watches: where it is, and when it next moves (or stops). */
export interface RelayProgress {
  position(): number;
  moved(): Promise<void>;
}

/**
 * The store with appends held back while this process's relay is more than `maxBehind` events
 * behind them. The relay hands each batch to every consumer of the in-process bus and waits for
 * them (the read models, and realtime while its network thread catches up on sending), so under
 * overload the writers, ingress above all, slow down to the pace at which events reach viewers.
 * Without it, a node whose sending runs beside the main thread (PARLEY_REALTIME_PORT) answered 202
 * as fast as it could append, and the log ran ahead of its viewers without bound.
 *
 * `relay` gives null where this process runs no relay (cluster nodes), or where its relay stopped:
 * nothing is held. A held append waits for the relay's next move, not for a timer.
 */
export function appendsHeldBehindRelay(store: EventStore, relay: () => RelayProgress | null, maxBehind: number): EventStore {
  let lastAppended = 0;
  const behind = (r: RelayProgress | null) => (r === null ? 0 : lastAppended - r.position());
  const relayCaughtUp = async () => {
    for (let r = relay(); behind(r) > maxBehind; r = relay()) await r!.moved();
  };
  return {
    ...store,
    async append(stream, events, expected) {
      if (behind(relay()) > maxBehind) await relayCaughtUp();
      const result = await store.append(stream, events, expected);
      if (result.position > lastAppended) lastAppended = result.position;
      return result;
    },
  };
}
