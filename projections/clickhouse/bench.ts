/**
 * ClickHouse projector benchmark against the project's ClickHouse (started if needed):
 *   npx tsx projections/clickhouse/bench.ts [throughputEvents=200000] [lagSeconds=20] [lagRate=5000]
 * 1. Insert throughput: `applyBatch` with batches of 1,000 realistic room events, one after another;
 *    then two batches in flight, then batches of 5,000.
 * 2. Projection lag: events produced at a steady rate (recordedAt = production time) into
 *    `clickhouseFeed`, the embedded profile's path; lag = time the insert returned − recordedAt.
 * Uses a fresh database and drops it afterwards.
 */
import type { RoomEvent } from '@parley/contracts';
import { roomStream } from '@parley/contracts';
import type { StoredEventLike } from '../shared/stored-event.js';
import { clickhouseFeed, clickhouseProjector, searchMessages } from './index.js';
import { testClickhouse } from './testing/index.js';

const [throughputEvents = 200_000, lagSeconds = 20, lagRate = 5_000] = process.argv.slice(2).map(Number);
const words = 'hello stream chat gg pog raid follow thanks twitch youtube clip song request mod ban great play nice win lose again'.split(' ');

function eventSource() {
  let position = 0;
  const revisions = new Map<string, number>();
  return (recordedAt: number): StoredEventLike => {
    position++;
    const roomId = `room-${position % 50}`;
    const stream = roomStream(roomId);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const event: RoomEvent =
      position % 100 === 0
        ? { type: 'UserModerated', data: { roomId, action: 'mute', target: `twitch:u${position % 997}`, until: recordedAt + 600_000, reason: 'spam', actor: 'discord:mod', at: recordedAt } }
        : {
            type: 'ChatMessagePosted',
            data: {
              roomId,
              messageId: `m${position}`,
              kind: 'chat',
              payload: {
                text: Array.from({ length: 8 }, (_, i) => words[(position * 7 + i * 13) % words.length]).join(' '),
                displayName: `user${position % 997}`,
                userId: `u${position % 997}`,
                source: ['twitch', 'youtube', 'discord'][position % 3],
              },
              sender: `twitch:u${position % 997}`,
              visibility: 'all',
              via: 'ingress',
              at: recordedAt,
            },
          };
    return { id: `evt-${position}`, stream, revision, position, type: event.type, data: event.data, metadata: {}, recordedAt };
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const ch = await testClickhouse('parley_bench');
try {
  // 1. Throughput: sequential batches of 1,000 (the figure asked for), then two in flight, then 5,000 per batch.
  const throughputRun = async (label: string, batchSize: number, inFlight: number) => {
    const database = `${ch.database}_${label}`;
    const projector = clickhouseProjector({ client: ch.client, database });
    await projector.migrate();
    const next = eventSource();
    const batches: StoredEventLike[][] = [];
    for (let i = 0; i < throughputEvents; i += batchSize) batches.push(Array.from({ length: Math.min(batchSize, throughputEvents - i) }, () => next(Date.now())));
    const started = performance.now();
    let rows = 0;
    const worker = async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        const applied = await projector.applyBatch(batch);
        rows += applied.rows;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - started) / 1000;
    const result = { label, events: throughputEvents, batchSize, inFlight, seconds: +seconds.toFixed(2), eventsPerSecond: Math.round(throughputEvents / seconds), rowsPerSecond: Math.round(rows / seconds) };
    console.log('throughput', JSON.stringify(result));
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  };
  await throughputRun('b1000', 1000, 1);
  await throughputRun('b1000x2', 1000, 2);
  await throughputRun('b5000', 5000, 1);

  // 2. Lag at a steady rate, through the feed (queued, merged inserts).
  const lagDb = `${ch.database}_lag`;
  const lagProjector = clickhouseProjector({ client: ch.client, database: lagDb });
  await lagProjector.migrate();
  const lags: number[] = [];
  let inserts = 0;
  const measured = {
    ...lagProjector,
    async applyBatch(events: readonly StoredEventLike[]) {
      const result = await lagProjector.applyBatch(events);
      const now = Date.now();
      inserts++;
      for (const e of events) lags.push(now - e.recordedAt);
      return result;
    },
  };
  const lagNext = eventSource();
  const feed = clickhouseFeed({ projector: measured, readAll: () => [], onError: (e) => console.error('feed error', e) });
  const tickMs = 10;
  const total = lagRate * lagSeconds;
  let produced = 0;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * lagRate));
      const batch: StoredEventLike[] = [];
      const now = Date.now();
      while (produced < due) {
        batch.push(lagNext(now));
        produced++;
      }
      feed.handle(batch);
      if (produced >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await feed.idle();
  await feed.stop();
  const sorted = [...lags].sort((a, b) => a - b);
  const check = await searchMessages(ch.client, lagDb, { limit: 1 });
  const lag = {
    rate: lagRate,
    seconds: lagSeconds,
    events: lags.length,
    inserts,
    meanEventsPerInsert: Math.round(lags.length / inserts),
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    maxMs: sorted.at(-1),
    newestPosition: check.items[0]?.position,
  };
  console.log('lag', JSON.stringify(lag));
  await ch.client.command({ query: `DROP DATABASE IF EXISTS ${lagDb}` });
} finally {
  await ch.drop();
}
