import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

/*
 * ClickHouse 18.16 has no query parameters (`{name:Type}` came in 19.x), so values are written
 * into the SQL as literals. Every value goes through one of these functions; nothing else is
 * ever concatenated into a query.
 */

/** A string literal: backslash and quote escaped, everything else is taken literally by ClickHouse. */
export const sqlString = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** A non-negative integer literal; anything else is a programming error, not user input. */
export function sqlUInt(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a non-negative integer: ${value}`);
  return String(value);
}

export const sqlStringList = (values: readonly string[]): string => `(${values.map(sqlString).join(', ')})`;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `database`.`table`, for a database name the caller chose (checked, never quoted user input). */
export function qualified(database: string, table: string): string {
  if (!identifier.test(database)) throw new Error(`invalid ClickHouse database name: ${database}`);
  if (!identifier.test(table)) throw new Error(`invalid ClickHouse table name: ${table}`);
  return `${database}.${table}`;
}

/** 64-bit integers as JSON numbers: every number we store (ms epochs, positions) is below 2^53. */
const readSettings = { output_format_json_quote_64bit_integers: 0 } as const;

export async function selectRows<T>(client: ClickHouseClient, query: string, settings: ClickHouseSettings = {}): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: { ...readSettings, ...settings } });
  return result.json<T>();
}
