import type { ClickHouseClient } from '@clickhouse/client';
import { qualified, selectRows, sqlString, sqlUInt } from './sql.js';

/*
 * Counts are computed here from the event rows, never stored (no SummingMergeTree, no
 * materialized view), so a replay has no count to double. They are uniqExact(event_id): exact,
 * and blind to a row that got in twice past the insert-time check (racing writers) before a merge.
 * Buckets are UTC and computed on the ms epoch (bucket start = at - at % size).
 */

export interface TimeRange {
  /** Inclusive, ms epoch. */
  since: number;
  /** Inclusive, ms epoch. */
  until: number;
}

const minuteMs = 60_000;
const bucketMs = { minute: minuteMs, hour: 3_600_000, day: 86_400_000 } as const;
export type ModerationBucket = 'hour' | 'day';

/** Enough for a day of minutes in a few rooms; `truncated` says when there was more. */
export const statsMaxRows = 10_000;

const inRange = ({ since, until }: TimeRange) => `at >= ${sqlUInt(since)} AND at <= ${sqlUInt(until)}`;

export interface Truncatable<T> {
  rows: T[];
  truncated: boolean;
}

const capped = <T>(rows: T[]): Truncatable<T> => ({ rows: rows.slice(0, statsMaxRows), truncated: rows.length > statsMaxRows });

export interface MessagesPerMinute {
  roomId: string;
  /** Start of the minute, ms epoch. */
  minute: number;
  messages: number;
}

/** Messages posted per room per minute (by the message's own time), minutes with none left out. */
export async function messagesPerMinute(client: ClickHouseClient, database: string, query: TimeRange & { roomId?: string }): Promise<Truncatable<MessagesPerMinute>> {
  const rows = await selectRows<{ room_id: string; minute: number; messages: number }>(
    client,
    `SELECT room_id, intDiv(at, ${minuteMs}) * ${minuteMs} AS minute, uniqExact(event_id) AS messages
     FROM ${qualified(database, 'messages')}
     WHERE ${inRange(query)}${query.roomId !== undefined ? ` AND room_id = ${sqlString(query.roomId)}` : ''}
     GROUP BY room_id, minute ORDER BY room_id, minute LIMIT ${statsMaxRows + 1}`,
  );
  return capped(rows.map((r) => ({ roomId: r.room_id, minute: r.minute, messages: r.messages })));
}

export interface IngressBySource {
  /** `payload.source` of the ingress request; `webhook` when it named none. */
  source: string;
  messages: number;
}

/** Messages that came in through the webhook ingress, per source, most first. */
export async function ingressBySource(client: ClickHouseClient, database: string, query: TimeRange): Promise<IngressBySource[]> {
  return selectRows<IngressBySource>(
    client,
    `SELECT source, uniqExact(event_id) AS messages FROM ${qualified(database, 'messages')}
     WHERE via = 'ingress' AND ${inRange(query)}
     GROUP BY source ORDER BY messages DESC, source LIMIT ${statsMaxRows}`,
  );
}

export interface ModerationCount {
  /** Start of the hour or day (UTC), ms epoch. */
  start: number;
  /** `user.ban`, `user.mute`, `user.unban`, `user.unmute`, `user.stealth` or `message.removed`. */
  action: string;
  count: number;
}

export async function moderationActions(
  client: ClickHouseClient,
  database: string,
  query: TimeRange & { bucket: ModerationBucket; roomId?: string },
): Promise<Truncatable<ModerationCount>> {
  const size = bucketMs[query.bucket];
  const rows = await selectRows<ModerationCount>(
    client,
    `SELECT intDiv(at, ${size}) * ${size} AS start, action, uniqExact(event_id) AS count
     FROM ${qualified(database, 'audit_log')}
     WHERE (action LIKE 'user.%' OR action = 'message.removed') AND ${inRange(query)}${query.roomId !== undefined ? ` AND room_id = ${sqlString(query.roomId)}` : ''}
     GROUP BY start, action ORDER BY start, action LIMIT ${statsMaxRows + 1}`,
  );
  return capped(rows);
}
