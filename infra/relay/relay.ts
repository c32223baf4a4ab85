import type { Bus } from '../bus/port.js';
import type { CheckpointStore } from '../checkpoints/port.js';
import { NextSignal } from '../signal/index.js';
import type { EventStore, SubscribeOptions, Subscription } from '../event-store/port.js';

export interface Relay {
  /** Global position of the last event handed to the bus. */
  position(): number;
  /** Why the relay stopped by itself (the store's log could not be read, or the bus refused a batch for good), else null. */
  failure(): Error | null;
  /** False once the relay has stopped, by itself or by `stop()`. */
  running(): boolean;
  /** Settles the next time the position moves, or when the relay stops (at once if it has): what a writer held behind it waits for. */
  moved(): Promise<void>;
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export interface RelayDeps {
  store: EventStore;
  bus: Bus;
  checkpoints: CheckpointStore;
  name?: string;
  batchSize?: number;
  pollMs?: number;
  /**
   * The checkpoint is written at most this often (ms; default 100) and on stop. A crash re-publishes
   * at most that much of the log, which consumers already dedupe; a write per batch cost a durable
   * write per append at low rates.
   */
  checkpointEveryMs?: number;
  /** Called once per event the bus acknowledged, with its age in ms (now minus its `recordedAt`). */
  observeEventAge?: (ms: number) => void;
  /** A read of the store's log failed; the relay reads again after a pause (`SubscribeOptions.onReadError`). */
  onReadError?: (error: unknown, failures: number) => void;
}

/**
 * Tails the store's global log from its checkpoint and publishes each batch to the bus before
 * moving the checkpoint (outbox semantics: at least once, in order; consumers dedupe by position).
 */
export async function startRelay(deps: RelayDeps): Promise<Relay> {
  const name = deps.name ?? 'relay';
  const every = deps.checkpointEveryMs ?? 100;
  const observeEventAge = deps.observeEventAge;
  let position = await deps.checkpoints.load(name);
  let saved = position;
  let savedAt = 0;
  let writing: Promise<void> | undefined;
  let writeAgain = false;
  let trailing: NodeJS.Timeout | undefined;
  const moved = new NextSignal();

  /** Writes the position; while a write is under way, one more follows it with the newest position. */
  const save = (): Promise<void> => {
    if (trailing) clearTimeout(trailing);
    trailing = undefined;
    savedAt = Date.now();
    if (writing) {
      writeAgain = true;
      return writing;
    }
    writing = (async () => {
      do {
        writeAgain = false;
        const at = position;
        if (at <= saved) continue;
        try {
          await deps.checkpoints.save(name, at);
          saved = at;
        } catch {
          // Tried again by the next save; until then a restart re-publishes a little more.
        }
      } while (writeAgain);
      writing = undefined;
    })();
    return writing;
  };

  const forward =
    <E extends { position: number; recordedAt: number }>(publish: (batch: E[]) => Promise<void>) =>
    async (batch: E[]) => {
      await publish(batch);
      if (observeEventAge) {
        const now = Date.now();
        for (const event of batch) observeEventAge(now - event.recordedAt);
      }
      position = batch[batch.length - 1]!.position;
      moved.fire();
      // Not awaited: the next batch is published while the checkpoint is written.
      const wait = savedAt + every - Date.now();
      if (wait <= 0) void save();
      else trailing ??= setTimeout(() => void save(), wait);
    };

  const { store, bus } = deps;
  const options: SubscribeOptions = { batchSize: deps.batchSize ?? 1000, pollMs: deps.pollMs ?? 200, onReadError: deps.onReadError };
  // Where the store keeps each event as JSON text and the bus carries text, the log goes through
  // as read: parsing and re-encoding it cost a fifth of the relay's CPU per event from PostgreSQL to
  // Kafka (infra/relay/bench.ts).
  const sub: Subscription =
    store.subscribeToAllEncoded && bus.publishEncoded
      ? store.subscribeToAllEncoded(position, forward((batch) => bus.publishEncoded!(batch)), options)
      : store.subscribeToAll(position, forward((batch) => bus.publish(batch)), options);
  let failure: Error | null = null;
  let stopping = false;
  let ended = false;
  const end = () => {
    ended = true;
    moved.fire();
  };
  void sub.done.then(end, (error: unknown) => {
    if (!stopping) failure = error instanceof Error ? error : new Error(String(error));
    end();
  });
  return {
    position: () => position,
    failure: () => failure,
    running: () => !ended && !stopping,
    moved: () => (ended ? Promise.resolve() : moved.wait()),
    done: sub.done,
    async stop() {
      stopping = true;
      sub.close();
      await sub.done.catch(() => undefined);
      // A checkpoint that cannot be written now only means a longer replay next start.
      await save();
    },
  };
}
