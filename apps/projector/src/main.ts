import { createClient } from '@clickhouse/client';
import { loadConfig } from '@parley/app-api';
import { clickhouseTarget, clusterSettings, openClusterBus, openClusterStore, startOpsServer, stopOnSignals } from '@parley/app-api/cluster';
import type { BusSubscription } from '@parley/infra/bus';
import type { StoredEvent } from '@parley/infra/event-store';
import { createLogger, MetricsRegistry, trackMainThread } from '@parley/infra/observability';
import { clickhouseProjector } from '@parley/projections/clickhouse';
import { coalescingWriter } from './coalescing-writer.js';

/**
 * The cluster's ClickHouse projector: audit log, message history and search, admin stats.
 * Creates the tables, catches up from the store beyond the recorded position, then consumes Kafka
 * as group `clickhouse-projector` (several projectors, and several consumers in each, share the
 * partitions). Each batch is written before its handler returns, so the group's offsets only pass written events; rows are
 * deduplicated by event id, so the replays of at-least-once delivery add nothing.
 * CLICKHOUSE_URL is `http://host:port[/database]` (default database `parley`).
 */
const config = loadConfig({ PARLEY_PROFILE: 'cluster', PARLEY_NODE_ID: 'projector', ...process.env });
const logger = createLogger({ level: config.LOG_LEVEL, name: 'projector' });
if (!config.CLICKHOUSE_URL) {
  logger.fatal('CLICKHOUSE_URL is required');
  process.exit(2);
}
const { url, database } = clickhouseTarget(config.CLICKHOUSE_URL);

const metrics = new MetricsRegistry();
trackMainThread(metrics);
const settings = clusterSettings();
const store = await openClusterStore(settings);
const client = createClient({ url, request_timeout: 30_000 });
const projector = clickhouseProjector({ client, database });
await projector.migrate();
await projector.catchUp((after, limit) => store.readAll(after, limit));

const applied = metrics.counter('parley_projector_events_total', 'Events written to ClickHouse by this projector');
const lagMs = metrics.gauge('parley_projection_lag_ms', 'Append-to-written delay of the oldest event of the last write (ms)');
let lastLag = 0;
lagMs.track({ projection: 'clickhouse' }, () => lastLag);

// Several consumers of the group in this process (one per partition by default) hand their
// batches to one writer that merges them: one insert round at most every interval.
const minIntervalMs = Number(process.env.PARLEY_PROJECTOR_MIN_INTERVAL_MS ?? 250);
const consumers = Number(process.env.PARLEY_PROJECTOR_CONSUMERS ?? settings.partitions);
const writer = coalescingWriter<StoredEvent>(async (events) => {
  await projector.applyBatch(events);
  applied.inc({}, events.length);
  lastLag = Date.now() - events.reduce((oldest, e) => Math.min(oldest, e.recordedAt), Infinity);
}, minIntervalMs);
const bus = openClusterBus(settings, `parley-${config.PARLEY_NODE_ID}`, 'earliest');
const subscriptions: BusSubscription[] = [];
for (let i = 0; i < consumers; i++) subscriptions.push(await bus.subscribe({ group: 'clickhouse-projector' }, (batch) => writer.write(batch)));

const ops = await startOpsServer({
  host: config.HOST,
  port: config.PORT,
  logger,
  metrics,
  notReady: async () => null,
});
logger.info({ port: ops.port, database, topic: settings.topic }, 'projector running');

stopOnSignals('projector', logger, async () => {
  ops.close();
  await Promise.all(subscriptions.map((sub) => sub.close()));
  await writer.flush();
  await projector.flushPosition().catch((err: unknown) => logger.warn({ err }, 'could not record the ClickHouse position'));
  projector.close();
  await client.close();
  await bus.close();
  await store.close();
});
