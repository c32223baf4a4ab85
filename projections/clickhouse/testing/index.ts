import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test helper only: the project's ClickHouse (started by its script) and a database of one's own. */
export interface TestClickhouse {
  /** Server URL without a database, e.g. `http://127.0.0.1:28123`. */
  url: string;
  client: ClickHouseClient;
  /** A fresh, empty database name (created by the first migration). */
  database: string;
  /** Drops the database and closes the client. */
  drop(): Promise<void>;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Starts ClickHouse if it is not running (idempotent) and returns its HTTP URL. */
export function startClickhouseService(): string {
  const script = join(repoRoot, 'scripts/services/clickhouse.sh');
  execFileSync('bash', [script, 'start'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  return execFileSync('bash', [script, 'url'], { cwd: repoRoot, encoding: 'utf8' }).trim();
}

export function freshDatabaseName(prefix = 'parley_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function testClickhouse(prefix?: string): Promise<TestClickhouse> {
  const url = startClickhouseService();
  // The client's own logging is off: specs provoke failures on purpose and assert on them.
  const client = createClient({ url, request_timeout: 60_000, log: { level: ClickHouseLogLevel.OFF } });
  const database = freshDatabaseName(prefix);
  return {
    url,
    client,
    database,
    async drop() {
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await client.close();
    },
  };
}
