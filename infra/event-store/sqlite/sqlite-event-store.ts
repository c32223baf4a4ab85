import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type StoredEvent,
} from '../port.js';
import { onEmit, pollingSubscription } from '../subscription.js';
import { toStored, type EventRow } from './event-row.js';
import { createWriter, openDatabase, type AppendOutcome, type EncodedAppend } from './sqlite-writer.mjs';
import { packAppends } from './packed-appends.mjs';

interface PendingAppend {
  stream: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

export interface SqliteEventStoreOptions {
  /** Database file, or ':memory:' for tests that need no durability. */
  file: string;
  now?: () => number;
  /**
   * Where commits run: `worker` (default for files) keeps inserts and each commit's fsync off
   * the main thread; `inline` runs them on it (always for ':memory:').
   */
  writer?: 'worker' | 'inline';
}

/** Recently appended events kept in memory, so the relay's `readAll` of the newest events skips SQLite. */
const TAIL_SIZE = 20_000;

interface BatchResult {
  recordedAt: number;
  outcomes: AppendOutcome[];
}

/**
 * Event store on one SQLite file (WAL, synchronous=FULL: every commit is fsync'd). Appends that
 * arrive while a commit is running share the next one (group commit). One process writes a file.
 */
export function sqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const inline = options.file === ':memory:' || options.writer === 'inline';
  const db = openDatabase(options.file);
  const now = options.now ?? Date.now;

  const q = {
    readStream: db.prepare<[string, number, number], EventRow>('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
    // The type filter runs in SQL: a room's state events are a handful among thousands of chat
    // messages, which would otherwise all be read and decoded to be thrown away.
    readStreamOfTypes: db.prepare<[string, number, string, number], EventRow>(
      'SELECT * FROM events WHERE stream = ? AND revision >= ? AND type IN (SELECT value FROM json_each(?)) ORDER BY revision LIMIT ?',
    ),
    readAll: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    head: db.prepare<[], { head: number | null }>('SELECT MAX(position) AS head FROM events'),
  };

  const inlineWriter = inline ? createWriter(db, now) : null;
  let worker: Worker | null = null;
  let workerFailure: Error | null = null;
  const inFlight = new Map<number, (r: BatchResult | { error: string }) => void>();
  let seq = 0;
  const workerReady = inline
    ? Promise.resolve()
    : new Promise<void>((resolve, reject) => {
        worker = new Worker(new URL('./writer-worker.mjs', import.meta.url), { workerData: { file: options.file } });
        worker.on('message', (m: { ready?: true; closed?: true; seq?: number } & Partial<BatchResult> & { error?: string }) => {
          if (m.ready) return resolve();
          if (m.seq === undefined) return;
          const settle = inFlight.get(m.seq);
          inFlight.delete(m.seq);
          settle?.(m.error !== undefined ? { error: m.error } : (m as BatchResult));
        });
        const fail = (error: Error) => {
          workerFailure = error;
          reject(error);
          for (const settle of inFlight.values()) settle({ error: String(error) });
          inFlight.clear();
        };
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (!closed) fail(new Error(`event store writer exited with code ${code}`));
        });
      });
  workerReady.catch(() => undefined);

  const commit = async (appends: EncodedAppend[]): Promise<BatchResult | { error: string }> => {
    if (inlineWriter) {
      try {
        return inlineWriter.appendBatch(appends);
      } catch (error) {
        return { error: String(error) };
      }
    }
    await workerReady;
    if (workerFailure) return { error: String(workerFailure) };
    return new Promise((resolve) => {
      const id = ++seq;
      inFlight.set(id, resolve);
      const packed = packAppends(appends);
      worker!.postMessage(packed !== null ? { seq: id, packed } : { seq: id, appends });
    });
  };

  // The newest events, contiguous in position: tail[i].position === tailStart + i.
  let tail: StoredEvent[] = [];
  let tailStart = 0;
  const remember = (events: StoredEvent[]) => {
    if (events.length === 0) return;
    if (tail.length > 0 && events[0]!.position !== tailStart + tail.length) tail = [];
    if (tail.length === 0) tailStart = events[0]!.position;
    for (const e of events) tail.push(e);
    if (tail.length > 2 * TAIL_SIZE) {
      tail = tail.slice(tail.length - TAIL_SIZE);
      tailStart = tail[0]!.position;
    }
  };

  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  let queue: PendingAppend[] = [];
  let flushScheduled = false;
  let committing = false;

  const schedule = () => {
    if (flushScheduled || committing || queue.length === 0) return;
    flushScheduled = true;
    setImmediate(flush);
  };

  const flush = async () => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    committing = true;
    const encoded: EncodedAppend[] = batch.map((p) => ({
      stream: p.stream,
      expected: p.expected,
      events: p.events.map((e) => ({ id: e.id, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata ?? {}) })),
    }));
    const result = await commit(encoded);
    committing = false;
    // What queued up during this commit goes to the writer before this batch is settled: the
    // writer commits it while this thread answers the batch's callers and fans its events out.
    if (queue.length > 0) void flush();
    settleBatch(batch, encoded, result);
  };

  const settleBatch = (batch: PendingAppend[], encoded: EncodedAppend[], result: BatchResult | { error: string }) => {
    if ('error' in result) {
      for (const p of batch) p.reject(new Error(`append failed: ${result.error}`));
      return;
    }
    const fresh: StoredEvent[] = [];
    batch.forEach((p, i) => {
      const o = result.outcomes[i]!;
      if (!o.ok) {
        const w = o.wrongRevision;
        p.reject(new WrongExpectedRevisionError(w.stream, w.expected, w.actual));
        return;
      }
      if (!o.duplicate) {
        // The caller's own objects, not a decode of what was written: appended events are
        // never mutated, so decoding each event again would only cost main-thread time.
        p.events.forEach((e, k) =>
          fresh.push({
            id: e.id,
            stream: p.stream,
            revision: o.lastRevision - (p.events.length - 1) + k,
            position: o.firstPosition + k,
            type: e.type,
            data: e.data,
            metadata: e.metadata ?? {},
            recordedAt: result.recordedAt,
            dataJson: encoded[i]!.events[k]!.data,
          }),
        );
      }
      p.resolve({ lastRevision: o.lastRevision, position: o.position, duplicate: o.duplicate });
    });
    remember(fresh);
    appended.emit('appended');
  };

  let closed = false;
  const store: EventStore = {
    kind: 'sqlite',
    append(stream, events, expected) {
      if (closed) return Promise.reject(new Error('event store is closed'));
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ stream, events, expected, resolve, reject });
        schedule();
      });
    },
    async readStream(stream, opts: ReadStreamOptions = {}) {
      const from = opts.fromRevision ?? 0;
      const limit = opts.limit ?? -1;
      const rows = opts.types ? q.readStreamOfTypes.all(stream, from, JSON.stringify(opts.types), limit) : q.readStream.all(stream, from, limit);
      return rows.map(toStored);
    },
    async readAll(after, limit) {
      const from = after + 1 - tailStart;
      if (tail.length > 0 && from >= 0 && from < tail.length) return tail.slice(from, from + limit);
      return q.readAll.all(after, limit).map(toStored);
    },
    subscribeToAll(after, handler, opts) {
      return pollingSubscription(
        (a, l) => store.readAll(a, l),
        onEmit(appended),
        after,
        handler,
        opts,
      );
    },
    async headPosition() {
      return q.head.get()?.head ?? 0;
    },
    async close() {
      if (closed) return;
      while (queue.length > 0 || committing) {
        if (!committing) await flush();
        else await new Promise((r) => setTimeout(r, 1));
      }
      closed = true;
      appended.emit('appended');
      if (worker) {
        const w: Worker = worker;
        await new Promise<void>((resolve) => {
          w.once('message', () => resolve());
          w.once('exit', () => resolve());
          w.postMessage({ close: true });
        });
        await w.terminate();
      }
      db.close();
    },
  };
  return store;
}
