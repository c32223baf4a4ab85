import type { RoomEvent } from '@parley/contracts';
import { asRoomEvent, perConnection, type SqliteDb, type SqliteProjection, type StoredEventLike } from '../shared/index.js';

/*
 * One row per room change or moderation action, keyed by the event's global position.
 * Never a key hash, key prefix or webhook secret: only that one was rotated, by whom, when.
 */
export const auditLogTables = ['audit_log', 'audit_log_credentials'] as const;

export type AuditAction =
  | 'room.created'
  | 'room.updated'
  | 'room.api_key_rotated'
  | 'room.webhook_secret_rotated'
  | 'user.ban'
  | 'user.mute'
  | 'user.unban'
  | 'user.unmute'
  | 'user.stealth'
  | 'message.removed';

function migrate(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_log (
      position       INTEGER PRIMARY KEY,
      room_id        TEXT NOT NULL,
      actor          TEXT,
      action         TEXT NOT NULL,
      changed_fields TEXT,
      target         TEXT,
      reason         TEXT,
      until          INTEGER,
      at             INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_log_by_room ON audit_log (room_id, position);
    CREATE INDEX IF NOT EXISTS audit_log_by_actor ON audit_log (actor, position);
    CREATE INDEX IF NOT EXISTS audit_log_by_target ON audit_log (target, position);
    CREATE INDEX IF NOT EXISTS audit_log_by_action ON audit_log (action, position);
    CREATE TABLE IF NOT EXISTS audit_log_credentials (
      room_id        TEXT NOT NULL,
      credential     TEXT NOT NULL,
      PRIMARY KEY (room_id, credential)
    ) WITHOUT ROWID;
  `);
}

interface AuditRow {
  roomId: string;
  actor: string | null;
  action: AuditAction;
  changedFields: string[] | null;
  target: string | null;
  reason: string | null;
  until: number | null;
  at: number;
}

const statements = perConnection((db) => ({
  insert: db.prepare(
    `INSERT INTO audit_log (position, room_id, actor, action, changed_fields, target, reason, until, at)
     VALUES (@position, @roomId, @actor, @action, @changedFields, @target, @reason, @until, @at)
     ON CONFLICT(position) DO NOTHING`,
  ),
  // Returns a row only the first time a room's credential is set.
  firstCredential: db.prepare<[string, string], { room_id: string }>(
    'INSERT INTO audit_log_credentials (room_id, credential) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING room_id',
  ),
}));

const bookkeeping = new Set(['roomId', 'updatedBy', 'updatedAt']);

/** The fields a RoomUpdated sets, by their event names, in the event's order. */
export const changedFieldsOf = (data: Record<string, unknown>): string[] =>
  Object.keys(data).filter((k) => !bookkeeping.has(k) && data[k] !== undefined);

const base = { changedFields: null, target: null, reason: null, until: null };

/**
 * The audit row for an event, or undefined when the event is not audited. The first API key and
 * webhook secret of a room are set by its creation, so they are not rotations and get no row.
 */
function toRow(db: SqliteDb, roomId: string, event: RoomEvent): AuditRow | undefined {
  switch (event.type) {
    case 'RoomCreated':
      return { ...base, roomId, actor: event.data.owner, action: 'room.created', at: event.data.createdAt };
    case 'RoomUpdated':
      return {
        ...base,
        roomId,
        actor: event.data.updatedBy,
        action: 'room.updated',
        changedFields: changedFieldsOf(event.data),
        at: event.data.updatedAt,
      };
    case 'ApiKeyIssued':
      if (statements(db).firstCredential.get(roomId, 'api_key') !== undefined) return undefined;
      return { ...base, roomId, actor: event.data.issuedBy, action: 'room.api_key_rotated', at: event.data.issuedAt };
    case 'WebhookSecretSet':
      if (statements(db).firstCredential.get(roomId, 'webhook_secret') !== undefined) return undefined;
      // `until` = how long the previous secret keeps working (null: it stopped at once).
      return { ...base, roomId, actor: event.data.setBy, action: 'room.webhook_secret_rotated', until: event.data.previousValidUntil, at: event.data.setAt };
    case 'UserModerated':
      return {
        ...base,
        roomId,
        actor: event.data.actor,
        action: `user.${event.data.action}`,
        target: event.data.target,
        reason: event.data.reason,
        until: event.data.until,
        at: event.data.at,
      };
    case 'ChatMessageRemoved':
      return { ...base, roomId, actor: event.data.actor, action: 'message.removed', target: event.data.messageId, reason: event.data.reason, at: event.data.at };
    case 'ChatMessagePosted':
      return undefined;
  }
}

function apply(db: SqliteDb, stored: StoredEventLike): void {
  const room = asRoomEvent(stored);
  if (room === undefined) return;
  const row = toRow(db, room.roomId, room.event);
  if (row === undefined) return;
  statements(db).insert.run({ ...row, position: room.position, changedFields: row.changedFields === null ? null : JSON.stringify(row.changedFields) });
}

export const auditLogProjection: SqliteProjection = {
  name: 'audit-log',
  version: 1,
  tables: auditLogTables,
  migrate,
  apply,
};
