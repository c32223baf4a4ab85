import type BetterSqlite3 from 'better-sqlite3';
import { clampLimit, keysetPage, perConnection, type SqliteDb } from '../shared/index.js';
import type { AuditAction } from './projection.js';

export interface AuditEntry {
  /** The event's global position: unique, and the pagination cursor. */
  position: number;
  roomId: string;
  /** Who did it (`provider:id`); null for actions taken without a token. */
  actor: string | null;
  action: AuditAction;
  /** For `room.updated`: the names of the fields it set (`name`, `moderators`, …). */
  changedFields: string[] | null;
  /** The user (moderation) or message id (`message.removed`); null for room changes. */
  target: string | null;
  reason: string | null;
  /** End of a temporary moderation action, or the old webhook secret's last valid moment. */
  until: number | null;
  at: number;
}

export interface AuditLogQuery {
  roomId?: string;
  actor?: string;
  target?: string;
  action?: AuditAction | readonly AuditAction[];
  /** Entries with `at >= since` (ms epoch). */
  since?: number;
  /** Entries with `at <= until` (ms epoch). */
  until?: number;
  /** 1..500, default 100; out-of-range values are clamped. */
  limit?: number;
  /** The `nextCursor` of the previous page: continues with older entries. */
  after?: number;
}

export interface AuditLogPage {
  /** Newest first (highest position first). */
  entries: AuditEntry[];
  nextCursor: number | null;
}

export const auditLogMaxLimit = 500;

interface AuditRow {
  position: number;
  room_id: string;
  actor: string | null;
  action: AuditAction;
  changed_fields: string | null;
  target: string | null;
  reason: string | null;
  until: number | null;
  at: number;
}

/** One statement per filter combination and action-list length (a bounded set), prepared on first use. */
const statementCache = perConnection(() => new Map<string, BetterSqlite3.Statement<unknown[], AuditRow>>());

function prepared(db: SqliteDb, sql: string): BetterSqlite3.Statement<unknown[], AuditRow> {
  const cache = statementCache(db);
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare<unknown[], AuditRow>(sql);
    cache.set(sql, statement);
  }
  return statement;
}

const toEntry = (row: AuditRow): AuditEntry => ({
  position: row.position,
  roomId: row.room_id,
  actor: row.actor,
  action: row.action,
  changedFields: row.changed_fields === null ? null : (JSON.parse(row.changed_fields) as string[]),
  target: row.target,
  reason: row.reason,
  until: row.until,
  at: row.at,
});

/** Newest first; pages continue below the cursor, so entries appended meanwhile never shift a page. */
export function auditLog(db: SqliteDb, query: AuditLogQuery = {}): AuditLogPage {
  const limit = clampLimit(query.limit, { max: auditLogMaxLimit, fallback: 100 });
  const where: string[] = [];
  const params: unknown[] = [];
  const equals = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  equals('room_id', query.roomId);
  equals('actor', query.actor);
  equals('target', query.target);
  if (query.action !== undefined) {
    const actions: readonly string[] = typeof query.action === 'string' ? [query.action] : query.action;
    if (actions.length === 0) return { entries: [], nextCursor: null };
    where.push(`action IN (${actions.map(() => '?').join(', ')})`);
    params.push(...actions);
  }
  if (query.since !== undefined) {
    where.push('at >= ?');
    params.push(query.since);
  }
  if (query.until !== undefined) {
    where.push('at <= ?');
    params.push(query.until);
  }
  if (query.after !== undefined) {
    where.push('position < ?');
    params.push(query.after);
  }
  const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position DESC LIMIT ?`;
  const rows = prepared(db, sql).all(...params, limit + 1);
  const page = keysetPage(rows.map(toEntry), limit, (e) => e.position);
  return { entries: page.items, nextCursor: page.nextCursor };
}
