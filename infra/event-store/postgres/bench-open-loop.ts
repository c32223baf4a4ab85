/**
 * Append latency of the PostgreSQL store at a fixed offered rate, with several writer processes
 * sharing one schema as the cluster's api nodes do (they contend for the writer lock).
 *   npx tsx infra/event-store/postgres/bench-open-loop.ts [rate=2500] [seconds=10] [processes=2]
 * Each process offers rate/processes appends/s of one chat-sized event ('any' expected revision,
 * 16 rooms), whatever the answers' pace (open loop); latency is request → acknowledgement, without
 * the first two seconds. Starts PostgreSQL through scripts/services/postgres.sh; the throw-away
 * schema is dropped at the end.
 */
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresEventStore } from './postgres-event-store.js';

const rate = Number(process.argv[2] ?? 2500);
const seconds = Number(process.argv[3] ?? 10);
const processes = Number(process.argv[4] ?? 2);
const warmupMs = 2000;
if (!(seconds > warmupMs / 1000) || !(rate > 0) || !(processes >= 1)) {
  console.error(`usage: bench-open-loop.ts [rate=2500] [seconds=10] [processes=2]: a rate above 0, at least one process, and more seconds than the ${warmupMs / 1000} s left out at the start`);
  process.exit(2);
}

async function writer(connectionString: string, schema: string): Promise<number[]> {
  const store = await postgresEventStore({ connectionString, schema });
  const latencies: number[] = [];
  const perMs = rate / processes / 1000;
  const start = performance.now();
  const acknowledged: Promise<void>[] = [];
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor((performance.now() - start) * perMs);
    for (; sent < due; sent++) {
      const t0 = performance.now();
      const data = { text: 'a chat message of ordinary length, about eighty characters long', n: sent };
      acknowledged.push(
        store.append(`room-${sent % 16}`, [{ id: randomUUID(), type: 'MessagePosted', data }], 'any').then(() => {
          if (t0 - start >= warmupMs) latencies.push(performance.now() - t0);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(acknowledged);
  await store.close();
  return latencies;
}

if (process.env.BENCH_WRITER_SCHEMA) {
  const latencies = await writer(process.env.BENCH_WRITER_URL!, process.env.BENCH_WRITER_SCHEMA);
  process.send!(latencies, () => process.exit(0));
} else {
  const script = fileURLToPath(new URL('../../../scripts/services/postgres.sh', import.meta.url));
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const connectionString = process.env.DATABASE_URL ?? execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  // Created once before the writers start, so none of them measures the schema's creation.
  await (await postgresEventStore({ connectionString, schema })).close();
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: processes }, () =>
      new Promise<void>((resolve, reject) => {
        const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), {
          env: { ...process.env, BENCH_WRITER_URL: connectionString, BENCH_WRITER_SCHEMA: schema },
          execArgv: ['--import', 'tsx'],
        });
        child.on('message', (m) => latencies.push(...(m as number[])));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
      }),
    ),
  );
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query(`DROP SCHEMA "${schema}" CASCADE`);
  await client.end();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
  console.log(JSON.stringify({ rate, seconds, processes, appends: latencies.length, latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100) } }));
}
