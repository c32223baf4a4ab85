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
import { pollingSubscription } from '../subscription.js';

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
    CREATE TABLE IF NOT EXISTS streams (
      stream   TEXT PRIMARY KEY,
      revision INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);
  const now = options.now ?? Date.now;

  const q = {
    streamRevision: db.prepare<[string], { revision: number }>('SELECT revision FROM streams WHERE stream = ?'),
    setStreamRevision: db.prepare('INSERT INTO streams (stream, revision) VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET revision = excluded.revision'),
    byId: db.prepare<[string], { stream: string; revision: number; position: number }>('SELECT stream, revision, position FROM events WHERE id = ?'),
    insert: db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    readStream: db.prepare<[string, number, number], EventRow>('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?'),
    readAll: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    head: db.prepare<[], { head: number | null }>('SELECT MAX(position) AS head FROM events'),
  };

  const appendOne = (p: PendingAppend): AppendResult => {
    const first = q.byId.get(p.events[0]!.id);
    if (first) {
      const last = q.byId.get(p.events[p.events.length - 1]!.id) ?? first;
      return { lastRevision: last.revision, position: last.position, duplicate: true };
    }
    const actual = q.streamRevision.get(p.stream)?.revision ?? -1;
    if (!revisionMatches(p.expected, actual)) {
      throw new WrongExpectedRevisionError(p.stream, p.expected, actual === -1 ? 'no_stream' : actual);
    }
    let revision = actual;
    let position = 0;
    const recordedAt = now();
    for (const e of p.events) {
      revision += 1;
      const info = q.insert.run(e.id, p.stream, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}), recordedAt);
      position = Number(info.lastInsertRowid);
    }
    q.setStreamRevision.run(p.stream, revision);
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
    try {
      db.transaction(() => {
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, value: appendOne(p) });
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
        (signal) =>
          new Promise<void>((resolve) => {
            const wake = () => resolve();
            appended.once('appended', wake);
            signal.addEventListener('abort', () => appended.off('appended', wake), { once: true });
          }),
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
