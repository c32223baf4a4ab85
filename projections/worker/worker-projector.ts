import { Worker } from 'node:worker_threads';
import type { ReadAll, ReplayOptions, StoredEventLike } from '../shared/index.js';
import { PositionWaiters } from '../shared/position-waiters.js';
import type { FromWorker, LogSource, Positions, ProjectorWorkerData, ToWorker } from './protocol.js';
import type { ReadModelProjector } from './read-model-projector.js';

export interface WorkerProjectorOptions {
  /** The read-model database file (not `:memory:`: the main thread reads it through its own connection). */
  file: string;
  /** URL of a ProjectionModule (e.g. `embeddedProjectionsModule`). */
  projectionsModule: string;
  /** Called on the main thread after each commit, before waiters of its position are settled. */
  onApplied?: (streams: readonly string[]) => void;
  /** Called once when the worker stops applying batches (a batch failed, the thread died). */
  onFailure?: (error: Error) => void;
  /**
   * The log the batches come from, when the worker can read it itself (the embedded profile's
   * SQLite store): a contiguous batch is then sent as its two end positions, not cloned.
   */
  log?: LogSource;
  /**
   * Events handed over and not yet committed before `applyBatch` asks its caller to wait. Default
   * 20,000. Counted in events, not batches: the worker holds live batches for
   * `liveCommitIntervalMs` on purpose, and at 4,000 single-message appends a second the relay hands
   * over far more than 64 batches in 100 ms; a bound of 64 batches then held the relay, and so every
   * viewer's frames, until the next commit (ingress → WebSocket p90 15 ms, p99 52 ms against 3 and 21).
   */
  maxEventsInFlight?: number;
  /**
   * The least time between two commits of live batches (ms; default 0: each batch commits on its
   * own, as it comes). Batches that arrive in between are merged into one transaction: each commit
   * writes its pages to the WAL, and batches spread over many rooms touch a page per room, so fewer,
   * larger commits cost less per event and write far less. A reader waiting in `waitFor` never
   * waits for the interval: its batch is committed at once.
   */
  liveCommitIntervalMs?: number;
  /** The SQLite event store's file, for projections over the log (`attachEventLog`). */
  eventLog?: string;
}

interface PendingReplay {
  resolve: (position: number) => void;
  reject: (error: Error) => void;
  readAll: ReadAll;
}

/**
 * The read-model projector in a worker thread: the worker owns the write connection and applies
 * batches in the order `applyBatch` sends them; this side keeps the positions the worker reports
 * after each commit, so `position()` and `waitFor` only ever promise rows a reader can already see.
 * Resolves once the worker has opened the database and migrated the projections.
 */
export async function workerProjector(options: WorkerProjectorOptions): Promise<ReadModelProjector> {
  if (options.file === ':memory:') throw new Error('workerProjector needs a database file: an in-memory database cannot be shared between threads');
  const maxEventsInFlight = options.maxEventsInFlight ?? 20_000;
  const workerData: ProjectorWorkerData = {
    file: options.file,
    projectionsModule: options.projectionsModule,
    log: options.log,
    liveCommitIntervalMs: options.liveCommitIntervalMs,
    eventLog: options.eventLog,
  };
  const worker = new Worker(new URL('./projector-worker.mjs', import.meta.url), { workerData });

  const positions = new Map<string, number>();
  let resetAtStart: readonly string[] = [];
  let failure: Error | null = null;
  let closing = false;
  const waiters = new PositionWaiters(() => position());
  const replays = new Map<number, PendingReplay>();
  let lastReplayId = 0;
  let lastSeq = 0;
  /** Events of each batch sent and not yet reported applied, in send order. */
  const unapplied: Array<{ seq: number; events: number }> = [];
  let eventsInFlight = 0;
  /**
   * A batch was sent without a reader waiting since the last flush, so the worker may hold it. A
   * batch sent while a reader waits is urgent and committed at once, with whatever was held.
   */
  let heldSinceFlush = false;
  /** Callers of applyBatch told to wait until fewer batches are in flight. */
  let drained: Array<() => void> = [];

  const position = () => (positions.size === 0 ? 0 : Math.min(...positions.values()));
  const send = (message: ToWorker) => worker.postMessage(message);
  const setPositions = (reported: Positions) => {
    for (const [name, at] of reported) positions.set(name, at);
  };

  /** Releases the waiters whose position is reached; `all`: the rest too, with false. */
  const settleWaiters = (all: boolean) => {
    waiters.reached();
    if (all) waiters.releaseAll();
  };
  const releaseDrained = () => {
    const waiting = drained;
    drained = [];
    for (const release of waiting) release();
  };

  let ready!: { resolve: () => void; reject: (error: Error) => void };
  const started = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));

  const fail = (error: Error) => {
    if (failure || closing) return;
    failure = error;
    ready.reject(error);
    settleWaiters(true);
    for (const r of replays.values()) r.reject(error);
    replays.clear();
    releaseDrained();
    void worker.terminate();
    options.onFailure?.(error);
  };

  const answerRead = (id: number, replayId: number, after: number, limit: number) => {
    const replay = replays.get(replayId);
    if (!replay) return send({ kind: 'page-error', id, error: `replay ${replayId} is not running` });
    Promise.resolve()
      .then(() => replay.readAll(after, limit))
      .then(
        (events) => send({ kind: 'page', id, events: [...events] }),
        (error: unknown) => send({ kind: 'page-error', id, error: String(error) }),
      );
  };

  worker.on('message', (message: FromWorker) => {
    switch (message.kind) {
      case 'ready':
        resetAtStart = message.resetAtStart;
        setPositions(message.positions);
        return ready.resolve();
      case 'applied':
        setPositions(message.positions);
        if (message.streams.length > 0) options.onApplied?.(message.streams);
        settleWaiters(false);
        if (message.seq !== undefined) {
          const appliedSeq = message.seq;
          let done = 0;
          while (done < unapplied.length && unapplied[done]!.seq <= appliedSeq) eventsInFlight -= unapplied[done++]!.events;
          unapplied.splice(0, done);
          if (eventsInFlight < maxEventsInFlight) releaseDrained();
        }
        return;
      case 'read':
        return answerRead(message.id, message.replay, message.after, message.limit);
      case 'replayed':
      case 'replay-failed': {
        const replay = replays.get(message.id);
        replays.delete(message.id);
        if (message.kind === 'replayed') replay?.resolve(message.position);
        else replay?.reject(new Error(message.error));
        return;
      }
      case 'failed':
        return fail(new Error(`read-model projector failed: ${message.error}`));
      case 'closed':
        return;
    }
  });
  worker.on('error', (error) => fail(error));
  worker.on('messageerror', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`read-model projector worker exited with code ${code}`)));

  await started;

  const runReplay = (projection: string | null, readAll: ReadAll, replayOptions: ReplayOptions = {}) => {
    if (failure) return Promise.reject(failure);
    return new Promise<number>((resolve, reject) => {
      const id = ++lastReplayId;
      replays.set(id, { resolve, reject, readAll });
      send({ kind: 'replay', id, projection, batchSize: replayOptions.batchSize });
    });
  };

  return {
    get resetAtStart() {
      return resetAtStart;
    },
    applyBatch(events) {
      if (failure || closing || events.length === 0) return;
      const first = events[0]!.position;
      const last = events[events.length - 1]!.position;
      const urgent = waiters.waiting > 0;
      if (!urgent) heldSinceFlush = true;
      if (options.log && last - first === events.length - 1) send({ kind: 'apply-range', seq: ++lastSeq, after: first - 1, upTo: last, urgent });
      else send({ kind: 'apply', seq: ++lastSeq, events, urgent });
      unapplied.push({ seq: lastSeq, events: events.length });
      eventsInFlight += events.length;
      if (eventsInFlight < maxEventsInFlight) return;
      return new Promise<void>((resolve) => drained.push(resolve));
    },
    position,
    positionOf(name) {
      const at = positions.get(name);
      if (at === undefined) throw new Error(`no projection named ${name}`);
      return at;
    },
    waitFor(target, timeoutMs) {
      if (failure) return Promise.resolve(position() >= target);
      // Only when something may be held that no flush has asked for yet: many readers waiting at
      // once must not undo the merging with a flush each.
      if (position() < target && options.liveCommitIntervalMs && heldSinceFlush) {
        heldSinceFlush = false;
        send({ kind: 'flush' });
      }
      return waiters.wait(target, timeoutMs);
    },
    catchUp(readAll, replayOptions) {
      return runReplay(null, readAll, replayOptions);
    },
    rebuild(name, readAll, replayOptions) {
      if (!positions.has(name)) return Promise.reject(new Error(`no projection named ${name}`));
      return runReplay(name, readAll, replayOptions);
    },
    failure: () => failure,
    async close() {
      if (closing) return;
      closing = true;
      settleWaiters(true);
      releaseDrained();
      for (const r of replays.values()) r.reject(new Error('projector closed'));
      replays.clear();
      if (failure) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      send({ kind: 'close' });
      await exited;
    },
  };
}
