import type { Bus } from '../bus/port.js';
import type { CheckpointStore } from '../checkpoints/port.js';
import type { EventStore, Subscription } from '../event-store/port.js';

export interface Relay {
  /** Global position of the last event handed to the bus. */
  position(): number;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * Tails the store's global log from its checkpoint and publishes each batch to the bus before
 * moving the checkpoint (outbox semantics: at least once, in order; consumers dedupe by position).
 */
export async function startRelay(deps: { store: EventStore; bus: Bus; checkpoints: CheckpointStore; name?: string; batchSize?: number; pollMs?: number }): Promise<Relay> {
  const name = deps.name ?? 'relay';
  let position = await deps.checkpoints.load(name);
  const sub: Subscription = deps.store.subscribeToAll(
    position,
    async (batch) => {
      await deps.bus.publish(batch);
      position = batch[batch.length - 1]!.position;
      await deps.checkpoints.save(name, position);
    },
    { batchSize: deps.batchSize ?? 1000, pollMs: deps.pollMs ?? 200 },
  );
  return {
    position: () => position,
    done: sub.done,
    async stop() {
      sub.close();
      await sub.done.catch(() => undefined);
    },
  };
}
