import type { ClickHouseClient } from '@clickhouse/client';
import { sortingKeys, type DedupedTable, type RowOf } from './schema.js';
import { qualified, selectRows, sqlString, sqlUInt } from './sql.js';

/*
 * A replay writes nothing: before an insert, the rows whose sorting key is already stored are
 * dropped, and so are repeats within the batch, with one SELECT per table. The key, not just the
 * event id, is looked up because the event id comes last in it: `event_id IN (...)` alone would
 * read the whole column of every part, while the full key lets the primary index read only a few
 * granules per room and part.
 *
 * Two writers racing on the same rows, or a crash between this check and the insert, can still
 * write a row twice; ReplacingMergeTree and the deduplicating queries remain for that.
 */

const valueIn = (row: object, column: string): unknown => (row as Record<string, unknown>)[column];

/**
 * The rows of `rows` whose key is neither stored in `table` nor earlier in `rows`, in their order.
 * Only the rows `mayBeStored` names are looked up (default: all); the others are taken as new.
 */
export async function unstoredRows<R extends RowOf<DedupedTable>>(
  client: ClickHouseClient,
  database: string,
  table: DedupedTable,
  rows: readonly R[],
  mayBeStored: (row: R) => boolean = () => true,
): Promise<R[]> {
  const key: readonly string[] = sortingKeys[table];
  const keyOf = (row: object) => JSON.stringify(key.map((column) => valueIn(row, column)));
  const byKey = new Map<string, R>();
  for (const row of rows) {
    const rowKey = keyOf(row);
    if (!byKey.has(rowKey)) byKey.set(rowKey, row);
  }
  const candidates = [...byKey.values()].filter(mayBeStored);
  if (candidates.length === 0) return [...byKey.values()];
  const query = storedKeysQuery(qualified(database, table), key, candidates);
  // The default max_query_size (256 KiB) holds the keys of about 5,000 rows with UUID ids.
  const stored = await selectRows<object>(client, query, { max_query_size: String(Buffer.byteLength(query) + 1024) });
  for (const row of stored) byKey.delete(keyOf(row));
  return [...byKey.values()];
}

/**
 * `SELECT <key> FROM table WHERE at in the rows' span AND (<key>) IN (<the rows' keys>)`. The
 * keys travel as one array per column (ARRAY JOIN): 18.16 parses an array of literals far
 * faster than a list of tuples. `at` is fixed by the key too; its span lets ClickHouse skip the
 * parts whose min/max `at` lie outside it.
 */
function storedKeysQuery(table: string, key: readonly string[], rows: readonly { at: number }[]): string {
  const columns = key.map((column, i) => `${arrayLiteral(rows.map((row) => valueIn(row, column)))} AS k${i}`);
  const { min, max } = span(rows.map((row) => row.at));
  return `SELECT ${key.join(', ')} FROM ${table}
    WHERE at >= ${sqlUInt(min)} AND at <= ${sqlUInt(max)}
      AND (${key.join(', ')}) IN (SELECT ${key.map((_, i) => `k${i}`).join(', ')} FROM system.one ARRAY JOIN ${columns.join(', ')})`;
}

/** Strings as they are; integers as UInt64, the type of every integer key column (IN on 18.16 wants exact types). */
function arrayLiteral(values: readonly unknown[]): string {
  if (values.every((v) => typeof v === 'string')) return `[${values.map(sqlString).join(', ')}]`;
  return `arrayMap(x -> toUInt64(x), [${values.map((v) => sqlUInt(v as number)).join(', ')}])`;
}

function span(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
