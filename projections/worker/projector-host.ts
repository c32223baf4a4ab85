import Database from 'better-sqlite3';
import type { MessagePort } from 'node:worker_threads';
import { sqliteProjector, type ReadAll, type StoredEventLike } from '../shared/index.js';
import { importFunction, loadProjections } from './projection-module.js';
import type { FromWorker, LogReader, LogSource, Positions, ProjectorWorkerData, ToWorker } from './protocol.js';
import { attachEventLog } from '../timeline/index.js';

interface PendingRead {
  resolve: (events: readonly StoredEventLike[]) => void;
  reject: (error: Error) => void;
}

async function openLog(source: LogSource): Promise<LogReader> {
  return (await importFunction<(file: string) => LogReader>(source.module, 'openLogReader'))(source.file);
}

const describe = (error: unknown) => String((error as Error | undefined)?.stack ?? error);

/**
 * Runs in the projector worker: applies the batches the main thread sends, in the order they
 * arrive, and answers each with the committed positions and the streams it touched. Replays
 * (catchUp, rebuild) read the log through the main thread, one page per request.
 */
export async function hostProjector(port: MessagePort, data: ProjectorWorkerData): Promise<void> {
  const post = (message: FromWorker) => port.postMessage(message);
  const projections = await loadProjections(data.projectionsModule);

  const db = new Database(data.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (data.eventLog) attachEventLog(db, data.eventLog);

  /** Streams committed since the last report; a live batch reports them with its answer. */
  const touched = new Set<string>();
  let inLiveBatch = false;
  let failed = false;
  let closed = false;

  const projector = sqliteProjector({
    db,
    projections,
    onCommit(events) {
      for (const e of events) touched.add(e.stream);
      if (!inLiveBatch) report(undefined);
    },
  });
  const positions = (): Positions => projections.map((p) => [p.name, projector.positionOf(p.name)]);
  const report = (seq: number | undefined) => {
    post({ kind: 'applied', seq, positions: positions(), streams: [...touched] });
    touched.clear();
  };

  const reads = new Map<number, PendingRead>();
  let lastReadId = 0;
  /** Reads the log through the main thread, with the reader the replay was started with. */
  const readAllOf =
    (replay: number): ReadAll =>
    (after, limit) =>
      new Promise((resolve, reject) => {
        const id = ++lastReadId;
        reads.set(id, { resolve, reject });
        post({ kind: 'read', id, replay, after, limit });
      });

  const log = data.log ? await openLog(data.log) : null;

  const applyLive = (seq: number, batch: () => readonly StoredEventLike[]) => {
    // After a failed batch nothing more may be applied: a later batch would skip the failed one's positions.
    if (failed) return;
    inLiveBatch = true;
    try {
      projector.applyBatch(batch());
    } catch (error) {
      failed = true;
      post({ kind: 'failed', error: describe(error) });
      return;
    } finally {
      inLiveBatch = false;
    }
    report(seq);
  };

  const readRange = (after: number, upTo: number) => {
    if (!log) throw new Error('a batch came as a position range, but this projector has no log to read it from');
    const events = log.readRange(after, upTo);
    if (events.length !== upTo - after) throw new Error(`the log has ${events.length} events in (${after}, ${upTo}]`);
    return events;
  };

  // Live batches held back until the commit interval has passed, then applied in one commit, in
  // the order they came. A range that continues the one before it extends it (one read of the log).
  const interval = data.liveCommitIntervalMs ?? 0;
  type HeldPart = { after: number; upTo: number } | { events: readonly StoredEventLike[] };
  let held: HeldPart[] = [];
  let heldSeq = 0;
  // Either a timer (the interval has not passed) or an immediate (after the queued messages).
  let heldTimer: NodeJS.Timeout | null = null;
  let heldImmediate: NodeJS.Immediate | null = null;
  let lastLiveCommit = -Infinity;
  const cancelHeldTimer = () => {
    if (heldTimer !== null) clearTimeout(heldTimer);
    if (heldImmediate !== null) clearImmediate(heldImmediate);
    heldTimer = null;
    heldImmediate = null;
  };
  const eventsOf = (part: HeldPart) => ('events' in part ? part.events : readRange(part.after, part.upTo));
  const applyHeld = () => {
    cancelHeldTimer();
    const parts = held;
    held = [];
    if (parts.length === 0) return;
    lastLiveCommit = performance.now();
    applyLive(heldSeq, () => (parts.length === 1 ? eventsOf(parts[0]!) : parts.flatMap(eventsOf)));
  };
  /** After the messages already queued (they may add to the batch), and not before the interval. */
  const scheduleHeld = (now: boolean) => {
    const wait = now ? 0 : lastLiveCommit + interval - performance.now();
    if (heldImmediate !== null || (heldTimer !== null && wait > 0)) return;
    cancelHeldTimer();
    if (wait > 0) heldTimer = setTimeout(applyHeld, wait);
    else heldImmediate = setImmediate(applyHeld);
  };
  const hold = (seq: number, part: HeldPart, urgent: boolean) => {
    if (interval <= 0) return applyLive(seq, () => eventsOf(part));
    const last = held.at(-1);
    if (last && 'upTo' in last && 'after' in part && last.upTo === part.after) last.upTo = part.upTo;
    else held.push(part);
    heldSeq = seq;
    scheduleHeld(urgent);
  };

  const replay = (id: number, projection: string | null, batchSize: number | undefined) => {
    const options = batchSize === undefined ? {} : { batchSize };
    const readAll = readAllOf(id);
    const run = projection === null ? projector.catchUp(readAll, options) : projector.rebuild(projection, readAll, options);
    run.then(
      (position) => post({ kind: 'replayed', id, position }),
      (error: unknown) => {
        if (!closed) post({ kind: 'replay-failed', id, error: describe(error) });
      },
    );
  };

  port.on('message', (message: ToWorker) => {
    if (closed) return;
    switch (message.kind) {
      case 'apply':
        return hold(message.seq, { events: message.events }, message.urgent);
      case 'apply-range':
        return hold(message.seq, { after: message.after, upTo: message.upTo }, message.urgent);
      case 'flush':
        if (held.length > 0) scheduleHeld(true);
        return;
      case 'replay':
        applyHeld();
        return replay(message.id, message.projection, message.batchSize);
      case 'page':
      case 'page-error': {
        const pending = reads.get(message.id);
        reads.delete(message.id);
        if (message.kind === 'page') pending?.resolve(message.events);
        else pending?.reject(new Error(message.error));
        return;
      }
      case 'close':
        applyHeld();
        closed = true;
        for (const pending of reads.values()) pending.reject(new Error('projector closed'));
        reads.clear();
        projector.close();
        log?.close();
        db.close();
        post({ kind: 'closed' });
        port.close();
        return;
    }
  });
  post({ kind: 'ready', resetAtStart: [...projector.resetAtStart], positions: positions() });
}
