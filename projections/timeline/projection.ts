import type { ChatMessageRemoved } from '@parley/contracts';
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

export interface TimelineOptions {
  /**
   * Keep only the newest N messages per room (and the removals at or after the oldest kept).
   * Default: keep everything.
   */
  keepPerRoom?: number;
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
  `);
}

const statements = perConnection((db) => ({
  // Positional parameters: binding by name costs a lookup per parameter, on the hottest insert.
  head: db.prepare<[string, number]>(
    `INSERT INTO timeline_heads (room_id, last_seq, complete_from) VALUES (?, ?, 0)
     ON CONFLICT(room_id) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)`,
  ),
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
  recordRemoval: db.prepare(
    `INSERT INTO timeline_removals (room_id, seq, message_id, sender, visibility, at)
     VALUES (@roomId, @seq, @messageId, @sender, @visibility, @at) ON CONFLICT DO NOTHING`,
  ),
  nthNewestSeq: db.prepare<[string, number], { seq: number }>(
    'SELECT seq FROM timeline_messages WHERE room_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?',
  ),
  trimMessages: db.prepare<[string, number]>('DELETE FROM timeline_messages WHERE room_id = ? AND seq < ?'),
  trimRemovals: db.prepare<[string, number]>('DELETE FROM timeline_removals WHERE room_id = ? AND seq < ?'),
  raiseCompleteFrom: db.prepare<[number, string]>('UPDATE timeline_heads SET complete_from = MAX(complete_from, ?) WHERE room_id = ?'),
}));

function posted(db: SqliteDb, stored: StoredEventLike, roomId: string): void {
  statements(db).post.run(stored.position, roomId, stored.revision, stored.dataJson ?? JSON.stringify(stored.data));
}

function removed(db: SqliteDb, roomId: string, seq: number, data: ChatMessageRemoved['data']): void {
  const s = statements(db);
  // A removal inherits the message's audience: a stealth message's removal is as hidden as it was.
  const message = s.find.get(roomId, data.messageId);
  s.remove.run({ roomId, messageId: data.messageId, at: data.at });
  s.recordRemoval.run({
    roomId,
    seq,
    messageId: data.messageId,
    sender: message?.sender ?? null,
    visibility: message?.visibility ?? 'all',
    at: data.at,
  });
}

function trim(db: SqliteDb, roomId: string, keep: number): void {
  const s = statements(db);
  const oldestKept = s.nthNewestSeq.get(roomId, keep - 1);
  if (oldestKept === undefined) return;
  s.trimMessages.run(roomId, oldestKept.seq);
  s.trimRemovals.run(roomId, oldestKept.seq);
  s.raiseCompleteFrom.run(oldestKept.seq, roomId);
}

export function timelineProjection(options: TimelineOptions = {}): SqliteProjection {
  const keep = options.keepPerRoom;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1)) throw new RangeError('keepPerRoom must be a positive integer');
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
        posted(db, stored, room.roomId);
        if (keep !== undefined) {
          s.head.run(room.roomId, heads.get(room.roomId)!);
          heads.delete(room.roomId);
          trim(db, room.roomId, keep);
        }
      } else if (event.type === 'ChatMessageRemoved') {
        removed(db, room.roomId, room.seq, event.data);
      }
    }
    for (const [roomId, seq] of heads) s.head.run(roomId, seq);
  };
  return {
    name: 'timeline',
    // Retention changes which rows exist, so it is part of the version: changing it rebuilds.
    version: keep === undefined ? '2' : `2;keep=${keep}`,
    tables: timelineTables,
    migrate,
    applyBatch,
    apply: (db, stored) => applyBatch(db, [stored]),
  };
}
