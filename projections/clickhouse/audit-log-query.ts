import type { ClickHouseClient } from '@clickhouse/client';
import type { AuditAction } from '../audit-log/projection.js';
import type { AuditEntry, AuditLogPage, AuditLogQuery } from '../audit-log/queries.js';
import { clampLimit, keysetPage } from '../shared/keyset.js';
import { qualified, selectRows, sqlString, sqlStringList, sqlUInt } from './sql.js';

export const clickhouseAuditLogMaxLimit = 500;

interface Row {
  position: number;
  room_id: string;
  actor: string | null;
  action: AuditAction;
  changed_fields: string[];
  target: string | null;
  reason: string | null;
  until: number | null;
  at: number;
}

const credentialActions = ['room.api_key_rotated', 'room.webhook_secret_rotated'];

const toEntry = (r: Row): AuditEntry => ({
  position: r.position,
  roomId: r.room_id,
  actor: r.actor,
  action: r.action,
  changedFields: r.action === 'room.updated' ? r.changed_fields : null,
  target: r.target,
  reason: r.reason,
  until: r.until,
  at: r.at,
});

/**
 * The audit log from ClickHouse, with the same filters, order (newest first by position),
 * cursor and answers as the SQLite `auditLog`. A room's first API key and webhook secret come
 * with its creation: the row of the lowest seq per room and credential kind is left out here.
 */
export async function clickhouseAuditLog(client: ClickHouseClient, database: string, query: AuditLogQuery = {}): Promise<AuditLogPage> {
  const limit = clampLimit(query.limit, { max: clickhouseAuditLogMaxLimit, fallback: 100 });
  const table = qualified(database, 'audit_log');
  const where: string[] = [];
  if (query.roomId !== undefined) where.push(`room_id = ${sqlString(query.roomId)}`);
  if (query.actor !== undefined) where.push(`actor = ${sqlString(query.actor)}`);
  if (query.target !== undefined) where.push(`target = ${sqlString(query.target)}`);
  if (query.action !== undefined) {
    const actions: readonly string[] = typeof query.action === 'string' ? [query.action] : query.action;
    if (actions.length === 0) return { entries: [], nextCursor: null };
    where.push(`action IN ${sqlStringList(actions)}`);
  }
  if (query.since !== undefined) where.push(`at >= ${sqlUInt(query.since)}`);
  if (query.until !== undefined) where.push(`at <= ${sqlUInt(query.until)}`);
  if (query.after !== undefined) where.push(`position < ${sqlUInt(query.after)}`);
  const credentials = sqlStringList(credentialActions);
  where.push(
    `NOT (action IN ${credentials} AND (room_id, action, seq) IN (SELECT room_id, action, min(seq) FROM ${table} WHERE action IN ${credentials} GROUP BY room_id, action))`,
  );
  const rows = await selectRows<Row>(
    client,
    `SELECT position, room_id, actor, action, changed_fields, target, reason, until, at
     FROM ${table} FINAL WHERE ${where.join(' AND ')}
     ORDER BY position DESC LIMIT ${sqlUInt(limit + 1)}`,
  );
  const page = keysetPage(rows.map(toEntry), limit, (e) => e.position);
  return { entries: page.items, nextCursor: page.nextCursor };
}
