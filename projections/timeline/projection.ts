import { roomStream, type ChatMessagePosted, type ChatMessageRemoved } from '@parley/contracts';
import { asRoomEvent, perConnection, type SqliteDb, type SqliteProjection, type StoredEventLike } from '../shared/index.js';

/*
 * Chat history per room, by room sequence number (the event's stream revision).
 * - timeline_messages: one row per posted message; a removal erases its payload and meta. Its
 *   key is the event's log position: rows arrive in that order, so an insert lands on the table's
 *   last page whatever the room. Keyed by (room, seq) as it was (WITHOUT ROWID), rows of a few
 *   hundred bytes made every commit rewrite a page per room, 2-3 times the cost per message.
 * - timeline_removals: one row per removal, so a resuming client replays removals too.
 * - timeline_heads: per room, the last sequence number seen (any room event) and the first
 *   sequence number from which the frames are complete (raised by retention).
 */
export const timelineTables = ['timeline_messages', 'timeline_removals', 'timeline_heads'] as const;

/**
 * The timeline over the event log (`messagesIn: 'log'`) keeps no copy of the messages:
 * - timeline_message_ids: where a posted message is and who may see it, for a message the log
 *   cannot find by id: one whose event id is not its message id (posts appended before the two
 *   were made one). A removal names a message by id and inherits its audience;
 * - timeline_removals and timeline_heads as above.
 * A rebuild also drops `timeline_messages`, the copy a file kept before it switched to this form.
 */
export const timelineOverLogTables = ['timeline_message_ids', 'timeline_removals', 'timeline_heads'] as const;

export interface TimelineOptions {
  /**
   * Keep only the newest N messages per room (and the removals at or after the oldest kept).
   * Default: keep everything. Not with `messagesIn: 'log'` (the log keeps every message).
   */
  keepPerRoom?: number;
  /**
   * `timeline` (default): the projection copies every message into its own table. `log`: the
   * messages are read from the event log's table where it lies beside the read models (the
   * embedded profile's SQLite store, attached to the reading connection as `log`, see
   * `attachEventLog`), and the projection keeps only what the log cannot answer by itself: message
   * ids, removals, heads. Copying was the read models' largest cost per chat message.
   */
  messagesIn?: 'timeline' | 'log';
}

const removalsAndHeadsDdl = `
    CREATE TABLE IF NOT EXISTS timeline_removals (
      room_id    TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      message_id TEXT NOT NULL,
      sender     TEXT,
      visibility TEXT NOT NULL,
      at         INTEGER NOT NULL,
      PRIMARY KEY (room_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS timeline_heads (
      room_id       TEXT PRIMARY KEY,
      last_seq      INTEGER NOT NULL,
      complete_from INTEGER NOT NULL
    ) WITHOUT ROWID;
`;

function migrateOverLog(db: SqliteDb): void {
  const attached = db.pragma('database_list') as { name: string }[];
  if (!attached.some((d) => d.name === 'log')) throw new Error('the timeline over the log needs the event log attached to its connection (attachEventLog)');
  db.exec(`
    CREATE TABLE IF NOT EXISTS timeline_message_ids (
      message_id TEXT NOT NULL,
      room_id    TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      sender     TEXT,
      visibility TEXT NOT NULL,
      PRIMARY KEY (message_id, room_id)
    ) WITHOUT ROWID;
    ${removalsAndHeadsDdl}
    -- Whether a message was removed, and when first, as its page is read (covering: no row lookups).
    CREATE INDEX IF NOT EXISTS timeline_removals_by_message ON timeline_removals (room_id, message_id, seq, at);
  `);
}

function migrate(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS timeline_messages (
      position   INTEGER PRIMARY KEY,
      room_id    TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      message_id TEXT NOT NULL,
      kind       TEXT NOT NULL,
      payload    TEXT,
      meta       TEXT,
      sender     TEXT,
      visibility TEXT NOT NULL,
      via        TEXT NOT NULL,
      at         INTEGER NOT NULL,
      removed    INTEGER NOT NULL DEFAULT 0,
      removed_at INTEGER
    );
    CREATE UNIQUE INDEX IF NOT EXISTS timeline_messages_by_seq ON timeline_messages (room_id, seq);
    -- By message id alone: ids are UUIDv7 and grow with time, so this index too is mostly appended
    -- to at its end (ids derived from an Idempotency-Key are hash-shaped and land anywhere).
    CREATE INDEX IF NOT EXISTS timeline_messages_by_id ON timeline_messages (message_id);
    ${removalsAndHeadsDdl}
  `);
}

/** Statements of both forms of the timeline. */
const statements = perConnection((db) => ({
  head: db.prepare<[string, number]>(
    `INSERT INTO timeline_heads (room_id, last_seq, complete_from) VALUES (?, ?, 0)
     ON CONFLICT(room_id) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)`,
  ),
  recordRemoval: db.prepare(
    `INSERT INTO timeline_removals (room_id, seq, message_id, sender, visibility, at)
     VALUES (@roomId, @seq, @messageId, @sender, @visibility, @at) ON CONFLICT DO NOTHING`,
  ),
}));

/** Statements of the timeline that copies messages (prepared only where its table exists). */
const copyingStatements = perConnection((db) => ({
  // Positional parameters: binding by name costs a lookup per parameter, on the hottest insert.
  // The row's columns are read out of the event's data JSON by SQLite: the projector's log reader
  // hands the data over as the text the store holds, so a message is neither decoded nor encoded
  // in JavaScript (with the lighter reads, 20–21 µs an event instead of 22–27 in commits of 350:
  // apps/api/src/projector-bench.ts). `WHERE true` lets ON CONFLICT follow a SELECT.
  post: db.prepare<[number, string, number, string]>(
    `INSERT INTO timeline_messages (position, room_id, seq, message_id, kind, payload, meta, sender, visibility, via, at)
     SELECT ?, ?, ?, d ->> '$.messageId', d ->> '$.kind', d -> '$.payload', d -> '$.meta', d ->> '$.sender', d ->> '$.visibility', d ->> '$.via', d ->> '$.at'
     FROM (SELECT ? AS d) WHERE true
     ON CONFLICT DO NOTHING`,
  ),
  find: db.prepare<[string, string], { sender: string | null; visibility: string }>(
    'SELECT sender, visibility FROM timeline_messages WHERE room_id = ? AND message_id = ?',
  ),
  remove: db.prepare(
    `UPDATE timeline_messages SET removed = 1, removed_at = @at, payload = NULL, meta = NULL
     WHERE room_id = @roomId AND message_id = @messageId AND removed = 0`,
  ),
  nthNewestSeq: db.prepare<[string, number], { seq: number }>(
    'SELECT seq FROM timeline_messages WHERE room_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?',
  ),
  trimMessages: db.prepare<[string, number]>('DELETE FROM timeline_messages WHERE room_id = ? AND seq < ?'),
  trimRemovals: db.prepare<[string, number]>('DELETE FROM timeline_removals WHERE room_id = ? AND seq < ?'),
  raiseCompleteFrom: db.prepare<[number, string]>('UPDATE timeline_heads SET complete_from = MAX(complete_from, ?) WHERE room_id = ?'),
}));

/** Statements of the timeline over the log (its connection has the log attached: `attachEventLog`). */
const overLogStatements = perConnection((db) => ({
  audienceInLog: db.prepare<[string, string], { sender: string | null; visibility: string }>(
    `SELECT data ->> '$.sender' AS sender, data ->> '$.visibility' AS visibility FROM log.events
     WHERE id = ? AND stream = ? AND type = 'ChatMessagePosted'`,
  ),
  post: db.prepare<[string, number, string]>(
    `INSERT INTO timeline_message_ids (message_id, room_id, seq, sender, visibility)
     SELECT d ->> '$.messageId', ?, ?, d ->> '$.sender', d ->> '$.visibility'
     FROM (SELECT ? AS d) WHERE true
     ON CONFLICT DO NOTHING`,
  ),
  find: db.prepare<[string, string], { sender: string | null; visibility: string }>(
    'SELECT sender, visibility FROM timeline_message_ids WHERE message_id = ? AND room_id = ?',
  ),
}));

/** How one form of the timeline writes a post and a removal. */
interface TimelineWrites {
  posted(db: SqliteDb, stored: StoredEventLike, roomId: string): void;
  /** The message's audience, which its removal inherits; undefined for a message never seen. */
  audienceOf(db: SqliteDb, roomId: string, messageId: string): { sender: string | null; visibility: string } | undefined;
  /** Marks the message removed where the removal record alone does not. */
  erase(db: SqliteDb, roomId: string, data: ChatMessageRemoved['data']): void;
}

const dataJsonOf = (stored: StoredEventLike): string => stored.dataJson ?? JSON.stringify(stored.data);

const copying: TimelineWrites = {
  posted: (db, stored, roomId) => copyingStatements(db).post.run(stored.position, roomId, stored.revision, dataJsonOf(stored)),
  audienceOf: (db, roomId, messageId) => copyingStatements(db).find.get(roomId, messageId),
  erase: (db, roomId, data) => copyingStatements(db).remove.run({ roomId, messageId: data.messageId, at: data.at }),
};

/**
 * Whether a post's event id is its message id (so the log finds the message by id). From the text
 * when the reader hands it over: the decider writes `"messageId":"…"` as a key of the data; inside
 * a string value those quotes would be escaped.
 */
const foundById = (stored: StoredEventLike): boolean =>
  stored.dataJson !== undefined
    ? stored.dataJson.includes(`"messageId":${JSON.stringify(stored.id)}`)
    : (stored.data as ChatMessagePosted['data']).messageId === stored.id;

const overLog: TimelineWrites = {
  posted: (db, stored, roomId) => {
    if (!foundById(stored)) overLogStatements(db).post.run(roomId, stored.revision, dataJsonOf(stored));
  },
  audienceOf: (db, roomId, messageId) => {
    const s = overLogStatements(db);
    return s.audienceInLog.get(messageId, roomStream(roomId)) ?? s.find.get(messageId, roomId);
  },
  erase: () => undefined,
};

function removed(db: SqliteDb, writes: TimelineWrites, roomId: string, seq: number, data: ChatMessageRemoved['data']): void {
  // A removal inherits the message's audience: a stealth message's removal is as hidden as it was.
  const message = writes.audienceOf(db, roomId, data.messageId);
  writes.erase(db, roomId, data);
  statements(db).recordRemoval.run({
    roomId,
    seq,
    messageId: data.messageId,
    sender: message?.sender ?? null,
    visibility: message?.visibility ?? 'all',
    at: data.at,
  });
}

function trim(db: SqliteDb, roomId: string, keep: number): void {
  const s = copyingStatements(db);
  const oldestKept = s.nthNewestSeq.get(roomId, keep - 1);
  if (oldestKept === undefined) return;
  s.trimMessages.run(roomId, oldestKept.seq);
  s.trimRemovals.run(roomId, oldestKept.seq);
  s.raiseCompleteFrom.run(oldestKept.seq, roomId);
}

export function timelineProjection(options: TimelineOptions = {}): SqliteProjection {
  const keep = options.keepPerRoom;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new RangeError('keepPerRoom must be a positive integer');
  const inLog = options.messagesIn === 'log';
  if (inLog && keep !== undefined) throw new RangeError('keepPerRoom cannot apply to a timeline over the log');
  const writes = inLog ? overLog : copying;
  /**
   * A batch's events, with each room's head written once, after them: at 100 rooms and hundreds of
   * events a commit, one upsert per event was a fifth of the projection's time. Retention raises a
   * head's `complete_from`, so a room about to be trimmed gets its head first.
   */
  const applyBatch = (db: SqliteDb, events: readonly StoredEventLike[]) => {
    const s = statements(db);
    const heads = new Map<string, number>();
    for (const stored of events) {
      const room = asRoomEvent(stored);
      if (room === undefined) continue;
      heads.set(room.roomId, Math.max(room.seq, heads.get(room.roomId) ?? -1));
      const { event } = room;
      if (event.type === 'ChatMessagePosted') {
        writes.posted(db, stored, room.roomId);
        if (keep !== undefined) {
          s.head.run(room.roomId, heads.get(room.roomId)!);
          heads.delete(room.roomId);
          trim(db, room.roomId, keep);
        }
      } else if (event.type === 'ChatMessageRemoved') {
        removed(db, writes, room.roomId, room.seq, event.data);
      }
    }
    for (const [roomId, seq] of heads) s.head.run(roomId, seq);
  };
  return {
    name: 'timeline',
    // Retention and the form change which rows exist, so they are part of the version: changing them rebuilds.
    version: inLog ? '3;log' : keep === undefined ? '2' : `2;keep=${keep}`,
    tables: inLog ? timelineOverLogTables : timelineTables,
    retiredTables: inLog ? ['timeline_messages'] : [],
    migrate: inLog ? migrateOverLog : migrate,
    applyBatch,
    apply: (db, stored) => applyBatch(db, [stored]),
  };
}
