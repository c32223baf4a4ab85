/**
 * Append throughput of the PostgreSQL store with many concurrent writers.
 *   npx tsx infra/event-store/postgres/bench.ts [writers=64] [seconds=10]
 * Starts PostgreSQL through scripts/services/postgres.sh, writes into a throw-away schema (dropped
 * at the end). Each writer owns one stream and appends one event at a time with the exact
 * expected revision, as a command handler does; the writers share one store (one process).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresEventStore } from './postgres-event-store.js';

const writers = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 10);
const script = fileURLToPath(new URL('../../../scripts/services/postgres.sh', import.meta.url));
execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
const connectionString = process.env.DATABASE_URL ?? execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const store = await postgresEventStore({ connectionString, schema });

const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    let revision: number | 'no_stream' = 'no_stream';
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const r = await store.append(`room-${w}`, [{ id: randomUUID(), type: 'MessagePosted', data: { text: 'hello world', n: revision } }], revision);
      latencies.push(performance.now() - t0);
      revision = r.lastRevision;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
const head = await store.headPosition();
await store.close();

const client = new pg.Client({ connectionString });
await client.connect();
await client.query(`DROP SCHEMA "${schema}" CASCADE`);
await client.end();

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(
  JSON.stringify({
    writers,
    seconds: Number(elapsed.toFixed(2)),
    appends: latencies.length,
    storedEvents: head,
    appendsPerSecond: Math.round(latencies.length / elapsed),
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: pct(100) },
  }),
);
