import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Bus } from '@parley/infra/bus';
import { kafkaBus } from '@parley/infra/bus/kafka';
import type { EventStore } from '@parley/infra/event-store';
import { createHttpServer } from '@parley/infra/http';
import type { Logger, MetricsRegistry } from '@parley/infra/observability';
import { loadConfig, type Config } from './config.js';
import { exitWhenAPartStops } from './ops/exit-when-a-part-stops.js';
import { stopOnSignals } from './ops/stop-on-signals.js';
import { mountOps } from './ops/routes.js';
import { startParley, type Parley, type ParleyOverrides } from './server.js';

/**
 * The cluster profile's composition: a PostgreSQL (default) or EventStoreDB event store
 * (`PARLEY_EVENT_STORE`), the Kafka bus, and the roles a process
 * can play (api node, fan-out node; the relay and the projector are apps of their own).
 *
 * Why api nodes feed their SQLite read models (and every node its room-state cache) from the
 * store's log and not from Kafka: the SQLite projector skips events at or below its recorded global
 * position, so it must see the global order, and a topic with several partitions keeps only each
 * room's order. Kafka feeds
 * what needs no global order: fan-out nodes (per-room seq) and the ClickHouse projector
 * (deduplicated by event id). See docs/design-notes.md, "Cluster profile".
 */

/** An unset and an empty variable mean the same: the default. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const clusterEnvSchema = z.object({
  /** `postgres` (default: DATABASE_URL, PARLEY_PG_SCHEMA) or `eventstoredb` (EVENTSTORE_URL, required). */
  PARLEY_EVENT_STORE: z.preprocess(unsetIfEmpty, z.enum(['postgres', 'eventstoredb']).default('postgres')),
  /** EventStoreDB connection string, e.g. `esdb://127.0.0.1:2113?tls=false`; only read with PARLEY_EVENT_STORE=eventstoredb. */
  EVENTSTORE_URL: z.preprocess(unsetIfEmpty, z.string().trim().optional()),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:25432/parley'),
  /** Schema of the event store's tables (tests use one of their own). */
  PARLEY_PG_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('parley'),
  KAFKA_BROKERS: z.string().default('127.0.0.1:29092'),
  PARLEY_KAFKA_TOPIC: z.string().regex(/^[a-zA-Z0-9._-]{1,200}$/).default('parley.events'),
  PARLEY_KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Kafka consumer session timeout (ms): how soon a dead member's partitions move to another. */
  PARLEY_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  /** How long a connection to a broker may take before kafkajs retries it (ms); raise it on a loaded machine. */
  PARLEY_KAFKA_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(3000),
});

/** Which event store the cluster's processes share. PostgreSQL's connection is `databaseUrl` and `schema`. */
export type ClusterEventStore = { kind: 'postgres' } | { kind: 'eventstoredb'; url: string };

export interface ClusterSettings {
  eventStore: ClusterEventStore;
  /** PostgreSQL event store only. */
  databaseUrl: string;
  /** PostgreSQL event store only. */
  schema: string;
  brokers: string[];
  topic: string;
  partitions: number;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

/** Where the cluster's services are: from the environment (defaults: the service scripts' ports). */
export function clusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const parsed = clusterEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid cluster configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  let eventStore: ClusterEventStore = { kind: 'postgres' };
  if (e.PARLEY_EVENT_STORE === 'eventstoredb') {
    if (!e.EVENTSTORE_URL) {
      throw new Error('invalid cluster configuration: EVENTSTORE_URL is required with PARLEY_EVENT_STORE=eventstoredb (e.g. esdb://127.0.0.1:2113?tls=false)');
    }
    if (!/^esdb(\+discover)?:\/\//.test(e.EVENTSTORE_URL)) {
      throw new Error('invalid cluster configuration: EVENTSTORE_URL must start with esdb:// or esdb+discover://');
    }
    eventStore = { kind: 'eventstoredb', url: e.EVENTSTORE_URL };
  }
  return {
    eventStore,
    databaseUrl: e.DATABASE_URL,
    schema: e.PARLEY_PG_SCHEMA,
    brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
    topic: e.PARLEY_KAFKA_TOPIC,
    partitions: e.PARLEY_KAFKA_PARTITIONS,
    sessionTimeoutMs: e.PARLEY_KAFKA_SESSION_TIMEOUT_MS,
    connectionTimeoutMs: e.PARLEY_KAFKA_CONNECTION_TIMEOUT_MS,
  };
}

/**
 * The event store the settings name. Each adapter is imported only when chosen, so a process
 * loads either the pg or the gRPC client, not both.
 */
export async function openClusterStore(settings: ClusterSettings): Promise<EventStore> {
  if (settings.eventStore.kind === 'eventstoredb') {
    const { eventStoreDbEventStore } = await import('@parley/infra/event-store/eventstoredb');
    return eventStoreDbEventStore({ connectionString: settings.eventStore.url });
  }
  const { postgresEventStore } = await import('@parley/infra/event-store/postgres');
  return postgresEventStore({ connectionString: settings.databaseUrl, schema: settings.schema });
}

/**
 * The Kafka bus of one process. Fan-out nodes start new groups at `latest` (a node's group is its
 * own; what came before its viewers connected is read from the store); projectors at `earliest`.
 */
export const openClusterBus = (settings: ClusterSettings, clientId: string, newGroupsStartAt: 'earliest' | 'latest'): Bus =>
  kafkaBus({
    brokers: settings.brokers,
    clientId,
    topic: settings.topic,
    partitions: settings.partitions,
    newGroupsStartAt,
    sessionTimeoutMs: settings.sessionTimeoutMs,
    connectionTimeoutMs: settings.connectionTimeoutMs,
    logLevel: 'error',
  });

/**
 * An api node: REST, tRPC, OpenAPI; no relay, no realtime. Its SQLite read models (in its own
 * data dir) and room-state cache follow the store's log. With `CLICKHOUSE_URL` it also serves the
 * admin analytics and, through them, joins the `clickhouse-projector` group (see the README).
 */
export async function startApiNode(config: Config, overrides: ParleyOverrides = {}, settings = clusterSettings()): Promise<Parley> {
  const store = await openClusterStore(settings);
  const bus = openClusterBus(settings, `parley-${config.PARLEY_NODE_ID}`, 'latest');
  return startParley(config, { ...overrides, store, bus, runRelay: false, projectorFeed: 'store', serveRealtime: false, serveApi: true });
}

/**
 * A fan-out node: `/ws`, `/sse` and ops only. It follows the bus as group `fanout-<node id>`
 * (every node sees every event; per-room order holds because the topic is keyed by room); room
 * state for admitting viewers comes from the store, kept fresh from the store's log. It keeps no
 * read models (`serveApi: false`).
 */
export async function startFanoutNode(config: Config, overrides: ParleyOverrides = {}, settings = clusterSettings()): Promise<Parley> {
  const store = await openClusterStore(settings);
  const bus = openClusterBus(settings, `parley-${config.PARLEY_NODE_ID}`, 'latest');
  return startParley(config, { ...overrides, store, bus, runRelay: false, projectorFeed: 'store', serveRealtime: true, serveApi: false });
}

export { clickhouseTarget } from './application/admin-analytics.js';
export { exitWhenAPartStops } from './ops/exit-when-a-part-stops.js';
export { stopOnSignals } from './ops/stop-on-signals.js';
export { logReadErrors } from './ops/log-read-errors.js';
export { eventAgeHistogram } from './ops/event-age.js';

/** `/healthz`, `/readyz` and `/metrics` for a process without a public surface (relay, projector). */
export async function startOpsServer(options: {
  host: string;
  port: number;
  logger: Logger;
  metrics: MetricsRegistry;
  notReady: () => Promise<string | null>;
}): Promise<{ port: number; close(): void }> {
  const http = createHttpServer({ logger: options.logger, metrics: options.metrics });
  mountOps(http, options.metrics, { notReady: options.notReady });
  http.route('any', '/*', (req) => ({ status: 404, body: { error: 'Not Found', message: `No route for ${req.method} ${req.path}`, status: 404 } }), { name: 'not-found' });
  const port = await http.listen(options.host, options.port);
  return { port, close: () => http.close() };
}

/** `node --import tsx apps/api/src/cluster.ts`: one api node of the cluster profile. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const node = await startApiNode(loadConfig({ PARLEY_PROFILE: 'cluster', ...process.env }));
  stopOnSignals('api', node.ctx.logger, () => node.stop());
  exitWhenAPartStops(node, node.ctx.logger);
}
