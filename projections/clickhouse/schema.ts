import type { ClickHouseClient } from '@clickhouse/client';
import type { ProjectedRows } from './rows.js';
import { qualified } from './sql.js';
import type { ViewerSample } from './viewer-samples.js';

/*
 * Every table is a ReplacingMergeTree whose sorting key ends with what makes a row unique (the
 * event id, or node+room+time for viewer samples). Writers insert only rows whose key is not
 * stored yet (`dedupe.ts`), so a replay adds nothing. What still gets in twice (two writers
 * racing, a crash between the check and the insert) has the same key and values: merges
 * collapse it eventually, and until then every query collapses it itself (FINAL, LIMIT 1 BY
 * event_id, uniqExact(event_id), or GROUP BY the key). Partitions are by month of the event's own
 * time, so a duplicate always lands in the partition of its original.
 *
 * Checked against ClickHouse 18.16: no DateTime64 (times are UInt64 ms epochs), no TTL, no
 * LowCardinality outside experimental mode, no query parameters.
 */

const monthOf = (msColumn: string) => `toYYYYMM(toDateTime(intDiv(${msColumn}, 1000)))`;

export const clickhouseTables = ['audit_log', 'messages', 'message_removals', 'viewer_samples', 'projector_positions'] as const;
export type ClickhouseTable = (typeof clickhouseTables)[number];

type RowsByTable = { [T in keyof ProjectedRows]: ProjectedRows[T][number] } & { viewer_samples: ViewerSample };
/** The tables whose rows are checked against what is stored before an insert. */
export type DedupedTable = keyof RowsByTable;
export type RowOf<T extends DedupedTable> = RowsByTable[T];

/**
 * The sorting key of each table: what ReplacingMergeTree collapses on, and what an insert looks
 * up first. In the event-fed tables every column of the key is fixed by the event, so equal keys
 * mean the same event id; the columns before it let the primary index find the rows.
 */
export const sortingKeys: { readonly [T in DedupedTable]: readonly (keyof RowOf<T> & string)[] } = {
  audit_log: ['room_id', 'position', 'event_id'],
  messages: ['room_id', 'seq', 'event_id'],
  message_removals: ['room_id', 'message_id', 'event_id'],
  viewer_samples: ['room', 'node', 'at'],
};

const orderBy = (table: DedupedTable) => `ORDER BY (${sortingKeys[table].join(', ')})`;

const ddl: Record<ClickhouseTable, (t: string) => string> = {
  audit_log: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
    event_id        String,
    position        UInt64,
    room_id         String,
    seq             UInt64,
    actor           Nullable(String),
    action          String,
    changed_fields  Array(String),
    target          Nullable(String),
    reason          Nullable(String),
    until           Nullable(UInt64),
    at              UInt64
  ) ENGINE = ReplacingMergeTree PARTITION BY ${monthOf('at')} ${orderBy('audit_log')}`,

  // `tokens`: the distinct words of the text (see `tokenize`), filled at insert, searched with
  // hasAll: 18.16 has no hasToken and no text index, and a separate token table would cost one
  // more insert per batch (inserts, not rows, are what a batch pays for on this version).
  messages: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
    event_id      String,
    position      UInt64,
    room_id       String,
    seq           UInt64,
    message_id    String,
    kind          String,
    text          String,
    display_name  String,
    sender        Nullable(String),
    source        String,
    via           String,
    visibility    String,
    at            UInt64,
    recorded_at   UInt64,
    tokens        Array(String)
  ) ENGINE = ReplacingMergeTree PARTITION BY ${monthOf('at')} ${orderBy('messages')}`,

  // Removals are their own rows (joined at read time), so a removal never has to find its message.
  message_removals: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
    event_id    String,
    position    UInt64,
    room_id     String,
    message_id  String,
    actor       String,
    reason      Nullable(String),
    at          UInt64
  ) ENGINE = ReplacingMergeTree PARTITION BY ${monthOf('at')} ${orderBy('message_removals')}`,

  // Viewers are not events: fan-out nodes report their own count per room every few seconds.
  viewer_samples: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
    node     String,
    room     String,
    at       UInt64,
    viewers  UInt32
  ) ENGINE = ReplacingMergeTree PARTITION BY ${monthOf('at')} ${orderBy('viewer_samples')}`,

  // The highest position a projector has written; the version column keeps the largest on merge.
  projector_positions: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
    projector  String,
    position   UInt64
  ) ENGINE = ReplacingMergeTree(position) ORDER BY projector`,
};

/** Creates the database and every table that is missing. Safe to run again. */
export async function migrateClickhouse(client: ClickHouseClient, database: string): Promise<void> {
  qualified(database, 'x');
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  for (const table of clickhouseTables) await client.command({ query: ddl[table](qualified(database, table)) });
}

/** Drops the event-fed tables (not the viewer samples, which no log can rebuild). */
export async function dropProjectedTables(client: ClickHouseClient, database: string): Promise<void> {
  for (const table of clickhouseTables) {
    if (table === 'viewer_samples') continue;
    await client.command({ query: `DROP TABLE IF EXISTS ${qualified(database, table)}` });
  }
}
