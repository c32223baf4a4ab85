// The SQLite event store's write side, in plain JavaScript so that a worker thread can load it
// without a TypeScript loader. The store runs it either inline or in a worker (see
// sqlite-event-store.ts); both use this one implementation.
import Database from 'better-sqlite3';

export const SCHEMA = `
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
`;

export function openDatabase(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = memory');
  db.exec(SCHEMA);
  return db;
}

const matches = (expected, actual) =>
  expected === 'any' || (expected === 'no_stream' ? actual === -1 : expected === 'stream_exists' ? actual >= 0 : expected === actual);

const MAX_CACHED_STREAMS = 100_000;

/**
 * Appends batches in one transaction each (one fsync: group commit). An append is
 * `{ stream, expected, events: [{ id, type, data, metadata }] }` with `data`/`metadata` as JSON
 * text; its outcome is `{ ok: true, lastRevision, position, firstPosition, duplicate }` or
 * `{ ok: false, wrongRevision: { stream, expected, actual } }`.
 * This process is the file's only writer, so each stream's last revision is kept in memory;
 * revisions changed by the running transaction live in `pending` until it commits.
 */
export function createWriter(db, now = Date.now) {
  const q = {
    streamRevision: db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream = ?'),
    byId: db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
    insert: db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING'),
  };
  const revisions = new Map();
  const revisionOf = (stream, pending) => pending.get(stream) ?? revisions.get(stream) ?? q.streamRevision.get(stream)?.revision ?? -1;

  const duplicateOf = (a) => {
    const last = q.byId.get(a.events[a.events.length - 1].id) ?? q.byId.get(a.events[0].id);
    return { ok: true, lastRevision: last.revision, position: last.position, firstPosition: 0, duplicate: true };
  };

  const appendOne = (a, pending, recordedAt) => {
    const actual = revisionOf(a.stream, pending);
    if (!matches(a.expected, actual)) {
      if (q.byId.get(a.events[0].id)) return duplicateOf(a);
      return { ok: false, wrongRevision: { stream: a.stream, expected: a.expected, actual: actual === -1 ? 'no_stream' : actual } };
    }
    let revision = actual;
    let firstPosition = 0;
    let position = 0;
    for (let i = 0; i < a.events.length; i++) {
      const e = a.events[i];
      revision += 1;
      // The insert is the idempotency check: an id already stored inserts nothing.
      const info = q.insert.run(e.id, a.stream, revision, e.type, e.data, e.metadata, recordedAt);
      if (info.changes === 0) {
        if (i === 0) return duplicateOf(a);
        throw new Error(`event ${e.id} is already stored, but the first event of its append was not`);
      }
      position = Number(info.lastInsertRowid);
      if (i === 0) firstPosition = position;
    }
    pending.set(a.stream, revision);
    return { ok: true, lastRevision: revision, position, firstPosition, duplicate: false };
  };

  const runBatch = db.transaction((appends, pending, recordedAt) => appends.map((a) => appendOne(a, pending, recordedAt)));

  return {
    /** Returns `{ recordedAt, outcomes }`; throws (nothing committed) on an unexpected error. */
    appendBatch(appends) {
      const pending = new Map();
      const recordedAt = now();
      const outcomes = runBatch(appends, pending, recordedAt);
      for (const [stream, revision] of pending) {
        revisions.delete(stream);
        revisions.set(stream, revision);
      }
      while (revisions.size > MAX_CACHED_STREAMS) revisions.delete(revisions.keys().next().value);
      return { recordedAt, outcomes };
    },
  };
}
