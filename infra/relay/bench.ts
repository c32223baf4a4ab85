/**
 * How fast the relay forwards the PostgreSQL log to Kafka, and its CPU per event.
 *   npx tsx infra/relay/bench.ts [events=100000] [rounds=2] [batch=1000]
 * Starts PostgreSQL and Kafka through scripts/services/, appends `events` ingress-sized chat events
 * over 100 rooms to a throw-away schema, then lets a relay publish the whole log from position 0
 * to a throw-away topic, `rounds` times each way, alternating: as the store encoded it
 * (`subscribeToAllEncoded` → `publishEncoded`) and as parsed StoredEvents (the path every other
 * store and bus take). Prints events/s and the relay process's CPU µs per event for each run.
 * `batch`: most events per read and publish (the relay's default, 1,000; live, at 2,500 single-
 * message requests a second, its batches hold about 20).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { kafkaBus } from '../bus/kafka/kafka-bus.js';
import { memoryCheckpoints } from '../checkpoints/index.js';
import type { EventStore } from '../event-store/port.js';
import { postgresEventStore } from '../event-store/postgres/postgres-event-store.js';
import { startRelay } from './relay.js';

const total = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 2);
const batchSize = Number(process.argv[4] ?? 1000);
const service = (name: string, cmd: string) =>
  execFileSync('bash', [fileURLToPath(new URL(`../../scripts/services/${name}.sh`, import.meta.url)), cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
service('postgres', 'start');
service('kafka', 'start');
const connectionString = service('postgres', 'url');
const brokers = [service('kafka', 'url')];

const schema = `relay_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const store = await postgresEventStore({ connectionString, schema });
for (let i = 0; i < total; i += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, total - i) }, (_, j) => {
      const n = i + j;
      const data = {
        messageId: randomUUID(),
        kind: 'chat',
        payload: { text: `hello stream, message ${n} of the benchmark`, displayName: 'webhook', userId: `u${n % 5000}`, source: 'youtube' },
        meta: { sentAt: Date.now() },
        sender: `youtube:u${n % 5000}`,
        visibility: 'all',
        via: 'ingress',
        at: Date.now(),
      };
      return store.append(`room-bench-${n % 100}`, [{ id: randomUUID(), type: 'ChatMessagePosted', data, metadata: { requestId: randomUUID() } }], 'any');
    }),
  );
}

const topics: string[] = [];
async function run(encoded: boolean): Promise<{ path: string; eventsPerSecond: number; cpuMicrosPerEvent: number }> {
  const topic = `relay-bench-${randomUUID()}`;
  topics.push(topic);
  const bus = kafkaBus({ brokers, clientId: 'relay-bench', topic });
  const { subscribeToAllEncoded: _unused, ...objectsOnly } = store;
  const relayStore: EventStore = encoded ? store : objectsOnly;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const relay = await startRelay({ store: relayStore, bus, checkpoints: memoryCheckpoints(), batchSize });
  while (relay.position() < total) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await relay.stop();
  await bus.close();
  return { path: encoded ? 'encoded' : 'objects', eventsPerSecond: Math.round(total / seconds), cpuMicrosPerEvent: Number(((used.user + used.system) / total).toFixed(1)) };
}

for (let r = 0; r < rounds; r++) {
  for (const encoded of r % 2 === 0 ? [true, false] : [false, true]) console.log(JSON.stringify({ events: total, batch: batchSize, ...(await run(encoded)) }));
}

await store.close();
const admin = new Kafka({ brokers, clientId: 'relay-bench-cleanup', logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.deleteTopics({ topics });
await admin.disconnect();
const client = new pg.Client({ connectionString });
await client.connect();
await client.query(`DROP SCHEMA "${schema}" CASCADE`);
await client.end();
