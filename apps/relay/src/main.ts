import { join } from 'node:path';
import { loadConfig } from '@parley/app-api';
import { clusterSettings, eventAgeHistogram, logReadErrors, openClusterBus, openClusterStore, startOpsServer, stopOnSignals } from '@parley/app-api/cluster';
import { sqliteCheckpoints } from '@parley/infra/checkpoints';
import { createLogger, MetricsRegistry, trackMainThread } from '@parley/infra/observability';
import { startRelay } from '@parley/infra/relay';

/**
 * The cluster's relay: tails the event store's global log (PostgreSQL, or EventStoreDB with
 * PARLEY_EVENT_STORE=eventstoredb) from its checkpoint (in its data dir) and publishes each batch
 * to Kafka before moving the checkpoint. Run exactly one: two relays
 * would both publish everything (harmless for consumers, which dedupe, but twice the traffic).
 * Ops: `/healthz`, `/readyz` (not ready while more than 10,000 events behind), `/metrics` on PORT.
 */
const config = loadConfig({ PARLEY_PROFILE: 'cluster', PARLEY_NODE_ID: 'relay', ...process.env });
const logger = createLogger({ level: config.LOG_LEVEL, name: 'relay' });
const metrics = new MetricsRegistry();
trackMainThread(metrics);
const settings = clusterSettings();

const store = await openClusterStore(settings);
const bus = openClusterBus(settings, `parley-${config.PARLEY_NODE_ID}`, 'latest');
const checkpoints = sqliteCheckpoints(join(config.PARLEY_DATA_DIR, 'checkpoints.db'));
const relay = await startRelay({
  store,
  bus,
  checkpoints,
  observeEventAge: eventAgeHistogram(metrics, 'relay'),
  // A dropped PostgreSQL connection is read through again; only the bus giving up ends the relay.
  onReadError: logReadErrors(logger, 'relay'),
});
relay.done.then(
  () => undefined,
  (error: unknown) => {
    // The bus gave up (broker away longer than its retry window): exit so a supervisor restarts us from the checkpoint.
    logger.fatal({ err: error }, 'relay stopped');
    process.exit(1);
  },
);

let head = 0;
const headTimer = setInterval(() => store.headPosition().then((h) => (head = h), () => undefined), 1000);
headTimer.unref();
metrics.gauge('parley_bus_lag_events', 'Events appended but not yet published (relay)').track({ consumer: 'relay' }, () => Math.max(0, head - relay.position()));
metrics.gauge('parley_relay_position', 'Global position of the last event published').track({}, () => relay.position());

const ops = await startOpsServer({
  host: config.HOST,
  port: config.PORT,
  logger,
  metrics,
  async notReady() {
    const behind = (await store.headPosition()) - relay.position();
    return behind > 10_000 ? `relay is ${behind} events behind` : null;
  },
});
logger.info({ port: ops.port, position: relay.position(), eventStore: settings.eventStore.kind, topic: settings.topic }, 'relay running');

stopOnSignals('relay', logger, async () => {
  clearInterval(headTimer);
  ops.close();
  await relay.stop();
  await bus.close();
  await store.close();
  checkpoints.close();
});
