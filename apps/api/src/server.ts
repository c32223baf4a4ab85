import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { constantTimeEqualHex, TokenService } from '@parley/infra/auth';
import { inprocBus, observedBus, type Bus } from '@parley/infra/bus';
import { sqliteCheckpoints } from '@parley/infra/checkpoints';
import { sqliteEventStore, sqliteLogReaderModule, type EventStore, type StoredEvent } from '@parley/infra/event-store';
import { createHttpServer, type HttpReply, type HttpRequest, type HttpServer } from '@parley/infra/http';
import { createLogger, MetricsRegistry, trackMainThread, type Logger } from '@parley/infra/observability';
import { startRelay, type Relay } from '@parley/infra/relay';
import { embeddedProjectionsModule, openSqliteReadModels, overLogProjectionsModule } from '@parley/projections/worker';
import { DirectoryCache } from './application/directory-cache.js';
import { pollOnlineCounts } from './application/online-counts.js';
import { startViewerSampler } from './application/viewer-sampler.js';
import { RoomService } from './application/room-service.js';
import type { Config } from './config.js';
import type { ApiContext } from './context.js';
import { docsPage } from './openapi/docs-page.js';
import { openApiDocument } from './openapi/document.js';
import { instrumentedStore } from './ops/instrumented-store.js';
import { logReadErrors } from './ops/log-read-errors.js';
import { mountOps } from './ops/routes.js';
import { StoppedParts, type StoppedPart } from './ops/stopped-parts.js';
import { idSecretFrom, INTERNAL_KEY_HEADER, internalKeyFrom, serverSecret } from './secrets.js';
import { mountOperations, type Operation } from './surfaces/shared/operation.js';
import { ingressOperations } from './surfaces/ingress/operations.js';
import { historyOperations } from './surfaces/history/index.js';
import { createIngress } from './application/ingress.js';
import { appendsHeldBehindRelay } from './application/appends-behind-relay.js';
import { realtimeAuthenticate, realtimeOnClientSend, realtimeRecheck } from './application/realtime-policy.js';
import { eventAgeHistogram } from './ops/event-age.js';
import { exportRealtimeMetrics } from './ops/realtime-metrics.js';
import { createRealtime, type Realtime } from '@parley/infra/realtime';
import { streamRoomsOperations } from './surfaces/stream-rooms/operations.js';
import { authOperations } from './surfaces/community/index.js';
import { simpleRoomsOperations } from './surfaces/simple-rooms/index.js';
import { trpcHandler } from './trpc/http.js';
import { startAdminAnalytics } from './application/admin-analytics.js';
import { adminAnalyticsOperations } from './surfaces/admin/index.js';

export const VERSION = '0.1.0';

/**
 * How far appends may run ahead of the relay before writers wait for it (appends-behind-relay.ts):
 * about a relay batch; at 100 rooms × 100 viewers, some 80 ms of sending.
 */
const MAX_EVENTS_AHEAD_OF_RELAY = 1000;

export interface Parley {
  port: number;
  ctx: ApiContext;
  http: HttpServer;
  /** Null when this node runs no relay (`runRelay: false`, cluster api and fan-out nodes). */
  relay: Relay | null;
  /** Throws when this node does not serve realtime (`serveRealtime: false`). */
  readonly realtime: Realtime;
  openapi: object;
  /**
   * Settles when a part of the node (relay, read-model projector or feed, realtime network thread)
   * stops by itself; never in a healthy process. `/healthz` and `/readyz` fail from then on.
   */
  readonly stoppedPart: Promise<StoppedPart>;
  stop(): Promise<void>;
}

export interface ParleyOverrides {
  logger?: Logger;
  now?: () => number;
  store?: EventStore;
  bus?: Bus;
  /** Publish the store's log to the bus from this process. Default true; the cluster runs one relay process instead. */
  runRelay?: boolean;
  /**
   * What feeds the SQLite read models and the room-state cache: the bus (default; in-process, so
   * in global order) or the store's own log (`subscribeToAll`), for a partitioned bus such as
   * Kafka, whose consumers do not see the global order the SQLite projector needs.
   */
  projectorFeed?: 'bus' | 'store';
  /** Mount `/ws` and `/sse` and follow the bus as a fan-out node. Default true. */
  serveRealtime?: boolean;
  /** Mount the REST surfaces, tRPC, OpenAPI and docs. Default true; a fan-out node serves only realtime and ops. */
  serveApi?: boolean;
  /**
   * Where the SQLite read-model projector applies batches: a worker thread (default; the main
   * thread only forwards batches and reads) or the main thread (`inline`, as before).
   */
  readModelsThread?: 'worker' | 'inline';
  /** URL of the ProjectionModule the read models are built from. Default: the embedded profile's. Tests inject faults with it. */
  readModelsProjections?: string;
}

/** What a path no route serves gets (and an internal endpoint asked by a stranger). */
const noRoute = (req: HttpRequest): HttpReply => ({ status: 404, body: { error: 'Not Found', message: `No route for ${req.method} ${req.path}`, status: 404 } });

/** The embedded profile: store, relay, bus, projector and every surface in one process. */
export async function startParley(config: Config, overrides: ParleyOverrides = {}): Promise<Parley> {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = new MetricsRegistry();
  const stopMainThreadMetrics = trackMainThread(metrics);
  const stoppedParts = new StoppedParts();
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const partStopped = (part: string, error: Error) => {
    if (stopping) return;
    logger.fatal({ err: error, part }, `${part} stopped`);
    stoppedParts.report(part, error);
  };
  mkdirSync(config.PARLEY_DATA_DIR, { recursive: true });
  const secret = serverSecret(config);
  const now = overrides.now ?? Date.now;

  const eventsFile = join(config.PARLEY_DATA_DIR, 'events.db');
  const store = instrumentedStore(overrides.store ?? sqliteEventStore({ file: eventsFile }), metrics);
  const bus = overrides.bus ?? inprocBus();
  const checkpoints = sqliteCheckpoints(join(config.PARLEY_DATA_DIR, 'checkpoints.db'));

  // A node without the API (a cluster fan-out node) reads nothing from the read models: they stay
  // empty, and its projector runs inline since it is never fed.
  const serveApi = overrides.serveApi !== false;
  let directory: DirectoryCache | undefined;
  // With the embedded store beside them, the read models' timeline reads messages from its file
  // instead of copying each one: copying was the read models' largest cost per chat message (at
  // 100 rooms x 100 viewers, 7–21 % more deliveries a second without it; docs/benchmarks.md).
  const eventLog = overrides.store ? undefined : eventsFile;
  const readModels = await openSqliteReadModels({
    file: join(config.PARLEY_DATA_DIR, 'read-models.db'),
    projectionsModule: overrides.readModelsProjections ?? (eventLog ? overLogProjectionsModule : embeddedProjectionsModule),
    eventLog,
    thread: serveApi ? (overrides.readModelsThread ?? 'worker') : 'inline',
    // The embedded store's file: the worker reads each published batch there itself, so the main
    // thread sends two positions per batch instead of cloning every event into the worker.
    log: eventLog ? { module: sqliteLogReaderModule, file: eventLog } : undefined,
    // Under load, one commit per 100 ms instead of one per group commit: each commit rewrites a
    // page of every room's index it touches, so the more events a commit holds the fewer pages per
    // event. 100 rooms, the projector alone (`npx tsx apps/api/src/projector-bench.ts B`,
    // 2026-11-28): 20–21 µs an event in commits of 350 (25 ms at 14,000 messages/s), 14–19 in
    // commits of 1,400. Reads that wait for their own writes (waitFor) get their batch committed
    // at once; frames for resumes come from the rings first.
    liveCommitIntervalMs: 100,
    // Runs before the waiters of the commit's position are settled, so no read after them sees an old cached row.
    onApplied: (streams) => directory?.invalidate(streams.map((stream) => ({ stream }))),
    onFailure: (error) => partStopped('read-model projector', error),
  });
  const { db: readDb, projector } = readModels;
  if (serveApi) {
    await projector.catchUp((after, limit) => store.readAll(after, limit)).catch(async (error: unknown) => {
      await readModels.close();
      throw error;
    });
  }
  directory = new DirectoryCache(readDb);

  // Writers (REST, ingress, socket sends) append through this; the relay and the readers use `store`.
  let relayed: Relay | null = null;
  // A relay that stopped holds nothing back: the writers' appends stay durable, and /readyz says why
  // nothing is delivered until a restart, instead of every writer waiting for good.
  const writerStore = appendsHeldBehindRelay(store, () => (relayed?.running() ? relayed : null), MAX_EVENTS_AHEAD_OF_RELAY);
  const rooms = new RoomService(writerStore);
  const ctx: ApiContext = {
    config,
    logger,
    metrics,
    store: writerStore,
    bus,
    rooms,
    tokens: new TokenService(secret, now),
    idSecret: idSecretFrom(secret),
    readModels: { db: readDb, projector, directory },
    online: () => 0,
    now,
    isAdmin: (identity) => config.PARLEY_ADMINS.includes(identity),
  };

  const feedFromStore = overrides.projectorFeed === 'store';
  const projectorSub = feedFromStore
    ? null
    : await bus.subscribe({ group: 'projector' }, (batch) => projector.applyBatch(batch));
  const ingress = createIngress(ctx);
  // Events appended by any node update the room cache and the ingress's per-user counts.
  const observe = (batch: readonly StoredEvent[]) => {
    rooms.observe(batch);
    ingress.observe(batch);
  };
  const roomsSub = feedFromStore ? null : await bus.subscribe({ group: `api-${config.PARLEY_NODE_ID}` }, observe);
  // A fan-out node (no API, realtime) already receives every event from the bus for its viewers;
  // its room-state cache follows those (room state needs only per-room order, which the bus
  // keeps) instead of reading the store's whole log a second time.
  const roomsFollowRealtimeBus = feedFromStore && !serveApi && overrides.serveRealtime !== false;
  const storeFeed = feedFromStore && !roomsFollowRealtimeBus
    ? store.subscribeToAll(serveApi ? projector.position() : await store.headPosition(), (batch) => {
        observe(batch);
        if (serveApi) return projector.applyBatch(batch);
      }, { minIntervalMs: config.PARLEY_READ_MODEL_FEED_INTERVAL_MS, onReadError: logReadErrors(logger, 'read-model feed') })
    : null;
  storeFeed?.done.catch((error: unknown) => partStopped('read-model feed', error instanceof Error ? error : new Error(String(error))));
  // ClickHouse read models and admin analytics, only when configured (group `clickhouse-projector`).
  const analytics = config.CLICKHOUSE_URL ? await startAdminAnalytics(ctx, config.CLICKHOUSE_URL, config.PARLEY_CLICKHOUSE_ROLE) : null;

  /** Stops the feeds and closes the engines, last, when the node stops (or fails to start). */
  const closeFeedsAndEngines = async () => {
    await projectorSub?.close();
    await roomsSub?.close();
    storeFeed?.close();
    await storeFeed?.done.catch(() => undefined);
    await analytics?.stop();
    await readModels.close();
    await bus.close();
    await store.close();
    checkpoints.close();
  };

  const http = createHttpServer({ logger, metrics });
  const internalKey = internalKeyFrom(secret);
  const asNode = { headers: { [INTERNAL_KEY_HEADER]: internalKey } };
  const peerCounts = overrides.serveRealtime !== false && config.PARLEY_FANOUT_PEERS.length > 0 ? pollOnlineCounts(config.PARLEY_FANOUT_PEERS, asNode) : null;
  // Realtime is the last part that can fail to start (its network thread's port may be taken):
  // what started before it is stopped again, so a failed start leaves nothing running.
  let realtime: Realtime | null = null;
  if (overrides.serveRealtime !== false) {
    try {
      realtime = await createRealtime({
        app: http.app,
        bus: roomsFollowRealtimeBus ? observedBus(bus, observe) : bus,
        store,
        nodeId: config.PARLEY_NODE_ID,
        authenticate: realtimeAuthenticate(ctx),
        onClientSend: realtimeOnClientSend(ingress),
        recheck: realtimeRecheck(ctx),
        ...(peerCounts ? { peerViewers: (roomId: string) => peerCounts.online(roomId) } : {}),
        observeEventAge: eventAgeHistogram(metrics, 'realtime'),
        onError: (err, where) => logger.error({ err, where }, 'realtime error'),
        onFailure: (error) => partStopped('realtime', error),
        ...(config.PARLEY_REALTIME_PORT === undefined ? {} : { networkThread: { host: config.HOST, port: config.PARLEY_REALTIME_PORT } }),
      });
    } catch (error) {
      stopMainThreadMetrics();
      peerCounts?.stop();
      await closeFeedsAndEngines();
      throw error;
    }
  }
  // Cluster api nodes count the viewers of the fan-out nodes; a node with realtime counts its own.
  const fanoutCounts = !realtime && config.PARLEY_FANOUT_URLS.length > 0 ? pollOnlineCounts(config.PARLEY_FANOUT_URLS, asNode) : null;
  if (fanoutCounts) ctx.online = (roomId) => fanoutCounts.online(roomId);
  if (realtime) {
    ctx.online = (roomId) => realtime.online(roomId);
    http.route(
      'get',
      '/internal/online',
      (req) => (constantTimeEqualHex(req.headers[INTERNAL_KEY_HEADER] ?? '', internalKey) ? { status: 200, body: { rooms: realtime.onlineByRoom() } } : noRoute(req)),
      { name: 'internal-online' },
    );
    exportRealtimeMetrics(metrics, realtime);
  }
  const viewerSampler =
    realtime && analytics
      ? startViewerSampler({
          node: config.PARLEY_NODE_ID,
          onlineByRoom: () => realtime.onlineByRoom(),
          record: analytics.recordViewerSamples,
          intervalMs: config.PARLEY_VIEWER_SAMPLE_MS,
          onError: (err) => logger.warn({ err }, 'could not record viewer samples'),
        })
      : null;

  const relay = overrides.runRelay === false ? null : await startRelay({ store, bus, checkpoints, observeEventAge: eventAgeHistogram(metrics, 'relay'), onReadError: logReadErrors(logger, 'relay') });
  relay?.done.catch(() => {
    const failure = relay.failure();
    if (failure) partStopped('relay', failure);
  });
  relayed = relay;

  const operations: Operation[] = [...streamRoomsOperations(ctx), ...ingressOperations(ingress), ...historyOperations(ctx), ...authOperations(ctx), ...simpleRoomsOperations(ctx), ...(analytics ? adminAnalyticsOperations(ctx) : [])];
  const openapi = openApiDocument(operations, { version: VERSION });
  if (serveApi) {
    mountOperations(http, operations);
    const trpc = trpcHandler(ctx);
    http.route('any', '/trpc/*', trpc, { name: 'trpc', maxBody: 256 * 1024 });
    const openapiJson = JSON.stringify(openapi);
    http.route('get', '/openapi.json', () => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: openapiJson }), { name: 'openapi' });
    const docs = docsPage(openapi);
    http.route('get', '/docs', () => ({ status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: docs }), { name: 'docs' });
  }

  const lag = metrics.gauge('parley_bus_lag_events', 'Events appended but not yet published (relay) or applied (projector)');
  let head = 0;
  const headTimer = setInterval(() => {
    store.headPosition().then((h) => (head = h), () => undefined);
  }, 1000);
  headTimer.unref();
  if (relay) lag.track({ consumer: 'relay' }, () => Math.max(0, head - relay.position()));
  if (serveApi) lag.track({ consumer: 'projector' }, () => Math.max(0, head - projector.position()));

  mountOps(http, metrics, {
    broken: () => stoppedParts.reason(),
    async notReady() {
      const h = await store.headPosition();
      if (serveApi && h - projector.position() > 10_000) return `read models are ${h - projector.position()} events behind`;
      return null;
    },
  });
  http.route('any', '/*', noRoute, { name: 'not-found' });

  const port = await http.listen(config.HOST, config.PORT);
  const realtimePort = realtime?.networkPort ?? undefined;
  logger.info({ host: config.HOST, port, ...(realtimePort === undefined ? {} : { realtimePort }), profile: config.PARLEY_PROFILE, dataDir: config.PARLEY_DATA_DIR }, 'parley listening');

  return {
    port,
    ctx,
    http,
    relay,
    get realtime(): Realtime {
      if (!realtime) throw new Error('this node does not serve realtime (serveRealtime: false)');
      return realtime;
    },
    openapi,
    stoppedPart: stoppedParts.first,
    // Once: a signal and a stopped part may both ask for it.
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        clearInterval(headTimer);
        stopMainThreadMetrics();
        fanoutCounts?.stop();
        peerCounts?.stop();
        viewerSampler?.stop();
        await realtime?.close();
        http.close();
        await relay?.stop();
        await closeFeedsAndEngines();
      })()),
  };
}
