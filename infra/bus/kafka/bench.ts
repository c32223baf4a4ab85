/**
 * Produce and consume rate of the Kafka bus.
 *   npx tsx infra/bus/kafka/bench.ts [events=100000] [batch=1000] [liveRate=2500]
 * Starts Kafka through scripts/services/kafka.sh, publishes `events` chat-sized events over 200
 * rooms in relay-sized batches (each publish awaited, acks=all, idempotent), then reads them all
 * back through one consumer group. Uses a throw-away topic, deleted at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { StoredEvent } from '../../event-store/port.js';
import { kafkaBus } from './kafka-bus.js';

const total = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 1000);
const script = fileURLToPath(new URL('../../../scripts/services/kafka.sh', import.meta.url));
execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
const brokers = [execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim()];
const topic = `bench-${randomUUID()}`;
const bus = kafkaBus({ brokers, clientId: 'bus-bench', topic });

const revisions = new Map<string, number>();
const events: StoredEvent[] = Array.from({ length: total }, (_, i) => {
  const stream = `room-${i % 200}`;
  const revision = (revisions.get(stream) ?? -1) + 1;
  revisions.set(stream, revision);
  return { id: randomUUID(), stream, revision, position: i + 1, type: 'MessagePosted', data: { text: 'hello, this is a chat message of ordinary length', user: `u${i % 1000}` }, metadata: { actor: 'u1' }, recordedAt: Date.now() };
});

const t0 = performance.now();
for (let i = 0; i < total; i += batchSize) await bus.publish(events.slice(i, i + batchSize));
const produceSeconds = (performance.now() - t0) / 1000;

let received = 0;
const t1 = performance.now();
await new Promise<void>((resolve) => {
  void bus.subscribe({ group: 'bench' }, (batch) => {
    received += batch.length;
    if (received >= total) resolve();
  });
});
const consumeSeconds = (performance.now() - t1) / 1000;

// Live delivery latency, relay style: events are produced at `liveRate`/s (default 2,500: half the 5,000/s target)
// and one publisher loop sends whatever is pending, awaiting each publish, as the relay does.
// Latency = the event's creation → the subscriber's handler.
const latencies: number[] = [];
const createdAt = new Map<string, number>();
const liveRate = Number(process.argv[4] ?? 2500);
const liveTotal = Math.max(500, liveRate * 5);
let liveReceived = 0;
let liveDone!: () => void;
const allLive = new Promise<void>((r) => (liveDone = r));
let warm = false;
const liveBus = kafkaBus({ brokers, clientId: 'bus-bench-live', topic, newGroupsStartAt: 'latest' });
await liveBus.subscribe({ group: 'bench-live' }, (batch) => {
  const now = performance.now();
  warm = true;
  for (const e of batch) {
    const t = createdAt.get(e.id);
    if (t === undefined) continue;
    latencies.push(now - t);
    liveReceived += 1;
  }
  if (liveReceived >= liveTotal) liveDone();
});
// The group starts at the end of the topic: wait until it owns its partitions and reads.
while (!warm) {
  await bus.publish(events.slice(0, 6).map((e) => ({ ...e, id: randomUUID() })));
  await new Promise((r) => setTimeout(r, 200));
}
const live = events.slice(0, liveTotal).map((e) => ({ ...e, id: randomUUID() }));
let pending: StoredEvent[] = [];
const publishMs: number[] = [];
let generated = 0;
const liveStart = performance.now();
const generator = setInterval(() => {
  const due = Math.min(liveTotal, Math.floor(((performance.now() - liveStart) / 1000) * liveRate));
  const now = performance.now();
  for (; generated < due; generated++) {
    createdAt.set(live[generated]!.id, now);
    pending.push(live[generated]!);
  }
  if (generated >= liveTotal) clearInterval(generator);
}, 2);
while (generated < liveTotal || pending.length > 0) {
  if (pending.length === 0) {
    await new Promise((r) => setTimeout(r, 1));
    continue;
  }
  const batch = pending;
  pending = [];
  const t = performance.now();
  await bus.publish(batch);
  publishMs.push(performance.now() - t);
}
await allLive;
latencies.sort((a, b) => a - b);
const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
await liveBus.close();
await bus.close();

const admin = new Kafka({ brokers, clientId: 'bus-bench-cleanup', logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();

console.log(
  JSON.stringify({
    events: total,
    publishBatch: batchSize,
    producePerSecond: Math.round(total / produceSeconds),
    consumePerSecond: Math.round(received / consumeSeconds),
    produceSeconds: Number(produceSeconds.toFixed(2)),
    consumeSeconds: Number(consumeSeconds.toFixed(2)),
    liveRate,
    liveLatencyMs: { p50: pct(50), p99: pct(99), max: pct(100) },
    livePublishes: publishMs.length,
    livePublishMsP50: Number(publishMs.sort((a, b) => a - b)[Math.floor(publishMs.length / 2)]!.toFixed(1)),
  }),
);
