import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type StoredEvent,
} from '../port.js';
import { nextEmit, pollingSubscription } from '../subscription.js';

interface PendingAppend {
  stream: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

const toStored = (row: EventRow): StoredEvent => ({
  id: row.id,
  stream: row.stream,
  revision: row.revision,
  position: row.position,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  recordedAt: row.recorded_at,
});

export interface SqliteEventStoreOptions {
  /** Database file, or ':memory:' for tests that need no durability. */
  file: string;
  now?: () => number;
}

/**
 * Event store on one SQLite file (WAL, synchronous=FULL: every commit is fsync'd).
 * Appends that arrive in the same tick share one transaction, so one fsync (group commit).
 */
export function sqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = memory');
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY AUTOINCREMENT,
      id          TEXT NOT NULL UNIQUE,
      stream      TEXT NOT NULL,
      revision    INTEGER NOT NULL,
      type        TEXT NOT NULL,
      data        TEXT NOT NULL,
      metadata    TEXT NOT NULL,
      recorded_at INTEGER NOT NULL,
      UNIQUE (stream, revision)
    );
  `);
  const now = options.now ?? Date.now;

  const q = {
    streamRevision: db.prepare<[string], { revision: number | null }>('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
    byId: db.prepare<[string], { stream: string; revision: number; position: number }>('SELECT stream, revision, position FROM events WHERE id = ?'),
    insert: db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING'),
    readStream: db.prepare<[string, number, number], EventRow>('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
    readAll: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    head: db.prepare<[], { head: number | null }>('SELECT MAX(position) AS head FROM events'),
  };

  /**
   * Last revision per stream. This process is the file's only writer, so the cache stays true;
   * revisions changed by the running transaction live in `pending` until it commits.
   */
  const revisions = new Map<string, number>();
  const MAX_CACHED_STREAMS = 100_000;
  const revisionOf = (stream: string, pending: Map<string, number>): number =>
    pending.get(stream) ?? revisions.get(stream) ?? q.streamRevision.get(stream)?.revision ?? -1;

  const duplicateOf = (p: PendingAppend): AppendResult => {
    const last = q.byId.get(p.events[p.events.length - 1]!.id) ?? q.byId.get(p.events[0]!.id)!;
    return { lastRevision: last.revision, position: last.position, duplicate: true };
  };

  const appendOne = (p: PendingAppend, pending: Map<string, number>): AppendResult => {
    const actual = revisionOf(p.stream, pending);
    const recordedAt = now();
    const first = p.events[0]!;
    // The insert is the idempotency check: an id already stored inserts nothing.
    const tryFirst = () => q.insert.run(first.id, p.stream, actual + 1, first.type, JSON.stringify(first.data), JSON.stringify(first.metadata ?? {}), recordedAt);
    if (!revisionMatches(p.expected, actual)) {
      if (q.byId.get(first.id)) return duplicateOf(p);
      throw new WrongExpectedRevisionError(p.stream, p.expected, actual === -1 ? 'no_stream' : actual);
    }
    const info = tryFirst();
    if (info.changes === 0) return duplicateOf(p);
    let revision = actual + 1;
    let position = Number(info.lastInsertRowid);
    for (let i = 1; i < p.events.length; i++) {
      const e = p.events[i]!;
      revision += 1;
      const r = q.insert.run(e.id, p.stream, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}), recordedAt);
      if (r.changes === 0) throw new Error(`event ${e.id} is already stored, but the first event of its append was not`);
      position = Number(r.lastInsertRowid);
    }
    pending.set(p.stream, revision);
    return { lastRevision: revision, position, duplicate: false };
  };

  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  let queue: PendingAppend[] = [];
  let flushScheduled = false;

  const flush = () => {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    const outcomes: Array<{ ok: true; value: AppendResult } | { ok: false; error: unknown }> = [];
    const pending = new Map<string, number>();
    try {
      db.transaction(() => {
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, value: appendOne(p, pending) });
          } catch (error) {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const [stream, revision] of pending) {
      revisions.delete(stream);
      revisions.set(stream, revision);
    }
    while (revisions.size > MAX_CACHED_STREAMS) revisions.delete(revisions.keys().next().value!);
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
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
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },
    async readStream(stream, opts: ReadStreamOptions = {}) {
      const rows = q.readStream.all(stream, opts.fromRevision ?? 0, opts.types ? -1 : (opts.limit ?? -1));
      let events = rows.map(toStored);
      if (opts.types) {
        const wanted = new Set(opts.types);
        events = events.filter((e) => wanted.has(e.type));
        if (opts.limit !== undefined) events = events.slice(0, opts.limit);
      }
      return events;
    },
    async readAll(after, limit) {
      return q.readAll.all(after, limit).map(toStored);
    },
    subscribeToAll(after, handler, opts) {
      return pollingSubscription(
        (a, l) => store.readAll(a, l),
        nextEmit(appended),
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
      if (queue.length > 0) flush();
      closed = true;
      appended.emit('appended');
      db.close();
    },
  };
  return store;
}
