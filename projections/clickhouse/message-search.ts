import type { ClickHouseClient } from '@clickhouse/client';
import { clampLimit, keysetPage, type KeysetPage } from '../shared/keyset.js';
import type { MessageRow } from './rows.js';
import { qualified, selectRows, sqlString, sqlUInt } from './sql.js';
import { tokenize } from './tokens.js';

export const messageSearchMaxLimit = 200;

export interface MessageSearchQuery {
  /** Words that must all occur in the text (any case, any order). Absent: every message (history). */
  text?: string;
  roomId?: string;
  /** `source:userId` as the message records it. */
  sender?: string;
  /** Messages with `at >= since` (ms epoch). */
  since?: number;
  /** Messages with `at <= until` (ms epoch). */
  until?: number;
  /** Stealth messages (`moderators_and_sender`) are left out unless this is true (admins). */
  includeStealth?: boolean;
  /** 1..200, default 50. */
  limit?: number;
  /** The previous page's `nextCursor`: continues with older messages. */
  after?: number;
}

export interface MessageHit {
  position: number;
  roomId: string;
  seq: number;
  messageId: string;
  kind: string;
  text: string;
  displayName: string;
  sender: string | null;
  source: string;
  via: string;
  visibility: 'all' | 'moderators_and_sender';
  /** A moderator removed it (the text is kept here: this is the admins' record). */
  removed: boolean;
  at: number;
}

/** A message row as the search reads it back: the stored columns, and whether a removal followed. */
type Row = Omit<MessageRow, 'event_id' | 'recorded_at' | 'tokens' | 'visibility'> & {
  visibility: 'all' | 'moderators_and_sender';
  removed: number;
};

const toHit = (r: Row): MessageHit => ({
  position: r.position,
  roomId: r.room_id,
  seq: r.seq,
  messageId: r.message_id,
  kind: r.kind,
  text: r.text,
  displayName: r.display_name,
  sender: r.sender,
  source: r.source,
  via: r.via,
  visibility: r.visibility,
  removed: r.removed === 1,
  at: r.at,
});

/**
 * Message history and word search, newest first (global position descending). Words are matched
 * against each message's `tokens`, filled at insert by the same `tokenize`; a query whose text
 * holds no word finds nothing.
 */
export async function searchMessages(client: ClickHouseClient, database: string, query: MessageSearchQuery = {}): Promise<KeysetPage<MessageHit, number>> {
  const limit = clampLimit(query.limit, { max: messageSearchMaxLimit, fallback: 50 });
  const where: string[] = [];
  const room = query.roomId !== undefined ? sqlString(query.roomId) : undefined;
  if (room !== undefined) where.push(`room_id = ${room}`);
  if (query.sender !== undefined) where.push(`sender = ${sqlString(query.sender)}`);
  if (query.since !== undefined) where.push(`at >= ${sqlUInt(query.since)}`);
  if (query.until !== undefined) where.push(`at <= ${sqlUInt(query.until)}`);
  if (query.after !== undefined) where.push(`position < ${sqlUInt(query.after)}`);
  if (query.includeStealth !== true) where.push(`visibility = 'all'`);
  if (query.text !== undefined) {
    const words = tokenize(query.text);
    if (words.length === 0) return { items: [], nextCursor: null };
    where.push(`hasAll(tokens, [${words.map(sqlString).join(', ')}])`);
  }
  const removals = `SELECT room_id, message_id FROM ${qualified(database, 'message_removals')}${room !== undefined ? ` WHERE room_id = ${room}` : ''}`;
  // Filter first, then collapse the matching duplicates (identical rows) with LIMIT 1 BY: cheaper
  // than FINAL, which would merge the whole table before filtering.
  const rows = await selectRows<Row>(
    client,
    `SELECT position, room_id, seq, message_id, kind, text, display_name, sender, source, via, visibility, at,
            (room_id, message_id) IN (${removals}) AS removed
     FROM ${qualified(database, 'messages')}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY position DESC LIMIT 1 BY event_id LIMIT ${sqlUInt(limit + 1)}`,
  );
  return keysetPage(rows.map(toHit), limit, (h) => h.position);
}
