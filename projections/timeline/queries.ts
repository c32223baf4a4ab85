import { roomStream } from '@parley/contracts';
import { clampLimit, perConnection, type SqliteDb } from '../shared/index.js';

export type MessageVisibility = 'all' | 'moderators_and_sender';

export interface TimelineViewer {
  /** `source:userId` in the same form as a message's sender; null for an anonymous viewer. */
  userId: string | null;
  isModerator: boolean;
}

export interface TimelineMessage {
  roomId: string;
  /** The room sequence number of the post. */
  seq: number;
  messageId: string;
  kind: string;
  /** Null once the message was removed. */
  payload: Record<string, unknown> | null;
  /** Absent when the sender gave none or the message was removed. */
  meta?: unknown;
  sender: string | null;
  visibility: MessageVisibility;
  via: string;
  at: number;
  removed: boolean;
  removedAt: number | null;
}

export type TimelineFrame =
  | { type: 'message'; seq: number; message: TimelineMessage }
  | { type: 'removed'; seq: number; roomId: string; messageId: string; at: number };

export interface HistoryQuery {
  /** Only messages with a smaller seq (page backwards). */
  before?: number;
  /** Only messages with a larger seq (page forwards). */
  after?: number;
  /** 1..200, default 50; out-of-range values are clamped. */
  limit?: number;
  viewer: TimelineViewer;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: TimelineMessage[];
  /** More messages exist beyond the page in the direction it was read. */
  hasMore: boolean;
}

export interface TimelineCoverage {
  /** The last room sequence number the timeline has seen (any room event). */
  lastSeq: number;
  /** Frames are complete from this seq on; a resume after `seq` is complete when `seq + 1 >= completeFrom`. */
  completeFrom: number;
}

export const historyMaxLimit = 200;
export const framesMaxLimit = 1000;

interface MessageRow {
  room_id: string;
  seq: number;
  message_id: string;
  kind: string;
  payload: string | null;
  meta: string | null;
  sender: string | null;
  visibility: MessageVisibility;
  via: string;
  at: number;
  removed: number;
  removed_at: number | null;
}

interface FrameRow extends MessageRow {
  frame: 'message' | 'removed';
}

const toMessage = (row: MessageRow): TimelineMessage => {
  const message: TimelineMessage = {
    roomId: row.room_id,
    seq: row.seq,
    messageId: row.message_id,
    kind: row.kind,
    payload: row.payload === null ? null : (JSON.parse(row.payload) as Record<string, unknown>),
    sender: row.sender,
    visibility: row.visibility,
    via: row.via,
    at: row.at,
    removed: row.removed === 1,
    removedAt: row.removed_at,
  };
  if (row.meta !== null && row.removed === 0) message.meta = JSON.parse(row.meta);
  return message;
};

const toFrame = (row: FrameRow): TimelineFrame =>
  row.frame === 'message'
    ? { type: 'message', seq: row.seq, message: toMessage(row) }
    : { type: 'removed', seq: row.seq, roomId: row.room_id, messageId: row.message_id, at: row.at };

/**
 * The visibility rule, in SQL so that LIMIT counts only what the viewer may see: stealth
 * messages (`moderators_and_sender`) reach moderators and their own sender only.
 */
const visibleTo = (visibility = 'visibility', sender = 'sender') =>
  `(${visibility} = 'all' OR @isModerator = 1 OR (${sender} IS NOT NULL AND ${sender} = @userId))`;
const messageColumns = 'room_id, seq, message_id, kind, payload, meta, sender, visibility, via, at, removed, removed_at';
const removalColumns = `room_id, seq, message_id, NULL, NULL, NULL, sender, visibility, '', at, 0, NULL`;

/** The timeline that copies messages: every query reads its own tables. */
const copyingStatements = perConnection((db) => {
  const historySql = (order: 'ASC' | 'DESC') =>
    `SELECT ${messageColumns} FROM timeline_messages
     WHERE room_id = @roomId AND seq > @after AND seq < @before AND ${visibleTo()}
     ORDER BY seq ${order} LIMIT @limit`;
  return {
    forward: db.prepare<Record<string, unknown>, MessageRow>(historySql('ASC')),
    backward: db.prepare<Record<string, unknown>, MessageRow>(historySql('DESC')),
    frames: db.prepare<Record<string, unknown>, FrameRow>(
      `SELECT * FROM (
         SELECT 'message' AS frame, ${messageColumns} FROM timeline_messages
         WHERE room_id = @roomId AND seq > @after AND (@filtered = 0 OR ${visibleTo()})
         UNION ALL
         SELECT 'removed' AS frame, ${removalColumns} FROM timeline_removals
         WHERE room_id = @roomId AND seq > @after AND (@filtered = 0 OR ${visibleTo()})
       ) ORDER BY seq LIMIT @limit`,
    ),
    message: db.prepare<Record<string, unknown>, { seq: number; removed: number }>(
      'SELECT seq, removed FROM timeline_messages WHERE room_id = @roomId AND message_id = @messageId',
    ),
  };
});

/**
 * The timeline over the event log: a room's messages are the ChatMessagePosted events of its
 * stream in the log's table (attached as `log`; columns as the SQLite event store writes them),
 * read through its (stream, revision) index; whether one was removed comes from the projection's
 * removals.
 */
const logMessage = (where: string) =>
  `SELECT @roomId AS room_id, seq, message_id, kind,
     CASE WHEN removed_at IS NULL THEN payload END AS payload, CASE WHEN removed_at IS NULL THEN meta END AS meta,
     sender, visibility, via, at, removed_at IS NOT NULL AS removed, removed_at
   FROM (
     SELECT e.revision AS seq, e.data ->> '$.messageId' AS message_id, e.data ->> '$.kind' AS kind,
       e.data -> '$.payload' AS payload, e.data -> '$.meta' AS meta, e.data ->> '$.sender' AS sender,
       e.data ->> '$.visibility' AS visibility, e.data ->> '$.via' AS via, e.data ->> '$.at' AS at,
       (SELECT r.at FROM timeline_removals r WHERE r.room_id = @roomId AND r.message_id = e.data ->> '$.messageId' ORDER BY r.seq LIMIT 1) AS removed_at
     FROM log.events e
     WHERE e.stream = @stream AND e.type = 'ChatMessagePosted' AND ${where}
   )`;

const overLogStatements = perConnection((db) => {
  const visible = visibleTo("e.data ->> '$.visibility'", "e.data ->> '$.sender'");
  const historySql = (order: 'ASC' | 'DESC') =>
    `SELECT * FROM (${logMessage(`e.revision > @after AND e.revision < @before AND ${visible} ORDER BY e.revision ${order} LIMIT @limit`)}) ORDER BY seq ${order}`;
  return {
    forward: db.prepare<Record<string, unknown>, MessageRow>(historySql('ASC')),
    backward: db.prepare<Record<string, unknown>, MessageRow>(historySql('DESC')),
    frames: db.prepare<Record<string, unknown>, FrameRow>(
      `SELECT * FROM (
         SELECT 'message' AS frame, * FROM (${logMessage(`e.revision > @after AND (@filtered = 0 OR ${visible})`)})
         UNION ALL
         SELECT 'removed' AS frame, ${removalColumns} FROM timeline_removals
         WHERE room_id = @roomId AND seq > @after AND (@filtered = 0 OR ${visibleTo()})
       ) ORDER BY seq LIMIT @limit`,
    ),
    // By the log's index of event ids (a post's event id is its message id), else by the ids the
    // projection keeps for older posts.
    message: db.prepare<Record<string, unknown>, { seq: number; removed: number }>(
      `SELECT seq, EXISTS (SELECT 1 FROM timeline_removals r WHERE r.room_id = @roomId AND r.message_id = @messageId) AS removed
       FROM (
         SELECT revision AS seq FROM log.events WHERE id = @messageId AND stream = @stream AND type = 'ChatMessagePosted'
         UNION ALL
         SELECT seq FROM timeline_message_ids WHERE message_id = @messageId AND room_id = @roomId
       ) LIMIT 1`,
    ),
  };
});

const coverageStatement = perConnection((db) =>
  db.prepare<[string], { last_seq: number; complete_from: number }>('SELECT last_seq, complete_from FROM timeline_heads WHERE room_id = ?'),
);

/** Connections the event log is attached to: their timeline is the one over the log. */
const overLogConnections = new WeakSet<SqliteDb>();

/**
 * Attaches the SQLite event store's file to a connection as `log`, so that the timeline's queries
 * on it read messages from the log (the projection must then be `timelineProjection({ messagesIn:
 * 'log' })`). A read-only connection attaches it read-only.
 */
export function attachEventLog(db: SqliteDb, file: string): void {
  db.prepare('ATTACH DATABASE ? AS log').run(file);
  overLogConnections.add(db);
}

const statements = (db: SqliteDb) => (overLogConnections.has(db) ? overLogStatements(db) : copyingStatements(db));

const viewerParams = (viewer: TimelineViewer | undefined) => ({
  filtered: viewer === undefined ? 0 : 1,
  isModerator: viewer?.isModerator === true ? 1 : 0,
  userId: viewer?.userId ?? null,
});

/**
 * A page of a room's history, oldest first. With `after`, the oldest `limit` messages after it;
 * otherwise the newest `limit` messages (before `before`, if given). Stealth messages are left
 * out for everyone but moderators and their sender; removed messages keep their place but lose
 * their content.
 */
export function history(db: SqliteDb, roomId: string, query: HistoryQuery): HistoryPage {
  const limit = clampLimit(query.limit, { max: historyMaxLimit, fallback: 50 });
  const params = {
    roomId,
    stream: roomStream(roomId),
    after: query.after ?? -1,
    before: query.before ?? Number.MAX_SAFE_INTEGER,
    limit: limit + 1,
    ...viewerParams(query.viewer),
  };
  const forward = query.after !== undefined;
  const rows = (forward ? statements(db).forward : statements(db).backward).all(params);
  const page = rows.slice(0, limit).map(toMessage);
  return { messages: forward ? page : page.reverse(), hasMore: rows.length > limit };
}

/**
 * Frames after `seq` in seq order, for a reconnecting client: posts and removals. Without a
 * viewer every frame is returned (the caller filters per connection); with one, the history
 * visibility rule applies. Check `timelineCoverage` to know whether the gap is complete.
 */
export function framesAfter(db: SqliteDb, roomId: string, seq: number, limit: number, viewer?: TimelineViewer): TimelineFrame[] {
  const params = { roomId, stream: roomStream(roomId), after: seq, limit: clampLimit(limit, { max: framesMaxLimit, fallback: 200 }), ...viewerParams(viewer) };
  return statements(db).frames.all(params).map(toFrame);
}

/** What the timeline knows of a room's sequence, or undefined for a room it has never seen. */
export function timelineCoverage(db: SqliteDb, roomId: string): TimelineCoverage | undefined {
  const row = coverageStatement(db).get(roomId);
  return row === undefined ? undefined : { lastSeq: row.last_seq, completeFrom: row.complete_from };
}

/** Where a message of the room is and whether it was removed, or undefined if the timeline does not hold it. */
export function messageStatus(db: SqliteDb, roomId: string, messageId: string): { seq: number; removed: boolean } | undefined {
  const row = statements(db).message.get({ roomId, messageId, stream: roomStream(roomId) });
  return row === undefined ? undefined : { seq: row.seq, removed: row.removed === 1 };
}
