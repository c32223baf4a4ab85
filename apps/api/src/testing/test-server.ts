import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@parley/infra/event-store';
import { loadConfig, type Config } from '../config.js';
import { startParley, type Parley, type ParleyOverrides } from '../server.js';
import { openClusterEngines } from './cluster-engines.js';
import { e2eProfile, type E2eProfile } from './e2e-profile.js';

export { e2eProfile, type E2eProfile } from './e2e-profile.js';

export interface TestServer {
  url: string;
  parley: Parley;
  /** The engines this server runs on (`PARLEY_E2E_PROFILE`). */
  profile: E2eProfile;
  /** Cluster profile: the PostgreSQL schema and Kafka topic of this server alone (dropped on stop). */
  cluster: { schema: string; topic: string } | null;
  /** The server's data dir (removed on stop). */
  dataDir: string;
  /** An identity token for `provider:id`, as the admin CLI mints it. */
  identity(sub: string, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface TestServerOverrides extends ParleyOverrides {
  /**
   * Cluster profile only: every batch of the store's log reaches this node's read models, room
   * cache and relay this many ms late (as a busy cluster might). The embedded profile's specs
   * inject the same lag through a `bus` of their own.
   */
  storeFeedLagMs?: number;
}

/**
 * A real Parley on an ephemeral loopback port with its own temporary data dir, on the engines of
 * `PARLEY_E2E_PROFILE`:
 * * `embedded` (default): SQLite event store, in-process bus, as `npm start` runs it;
 * * `cluster`: the cluster profile's engines in this one process: PostgreSQL event store (a fresh
 *   schema), Kafka bus (a fresh topic), the relay, SQLite read models fed from the store's log,
 *   realtime and the API on the same node.
 */
export async function startTestServer(env: Record<string, string> = {}, overrides: TestServerOverrides = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const base = { PORT: '0', HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PARLEY_ADMINS: 'discord:admin,ryo' };
  const { storeFeedLagMs, ...parleyOverrides } = overrides;
  if (e2eProfile === 'embedded') {
    if (storeFeedLagMs !== undefined) throw new Error('storeFeedLagMs is for the cluster profile; give the embedded server a lagging bus');
    const config: Config = loadConfig({ ...base, ...env });
    const parley = await startParley(config, parleyOverrides).catch((error: unknown) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
    return testServer(parley, 'embedded', dataDir, null, async () => {
      await parley.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  }

  if (overrides.store || overrides.bus) throw new Error('the cluster e2e profile brings its own store and bus; inject lag with storeFeedLagMs');
  const engines = await openClusterEngines();
  const config: Config = loadConfig({ ...base, PARLEY_PROFILE: 'cluster', PARLEY_NODE_ID: `e2e-${engines.id}`, ...env });
  let parley: Parley;
  try {
    parley = await startParley(config, {
      ...parleyOverrides,
      store: storeFeedLagMs ? laggingFeed(engines.store, storeFeedLagMs) : engines.store,
      bus: engines.bus,
      runRelay: true,
      projectorFeed: 'store',
      serveRealtime: true,
      serveApi: true,
    });
  } catch (error) {
    await Promise.allSettled([engines.bus.close(), engines.store.close()]);
    await engines.dropAll();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return testServer(parley, 'cluster', dataDir, { schema: engines.settings.schema, topic: engines.settings.topic }, async () => {
    await parley.stop();
    await engines.dropAll();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

function testServer(parley: Parley, profile: E2eProfile, dataDir: string, cluster: TestServer['cluster'], stop: () => Promise<void>): TestServer {
  return {
    url: `http://127.0.0.1:${parley.port}`,
    parley,
    profile,
    cluster,
    dataDir,
    identity: (sub, ttl = 3600) => parley.ctx.tokens.issueIdentity(sub, ttl),
    stop,
  };
}

/** The store, with every batch of `subscribeToAll` handed over `lagMs` late (in order: the subscription awaits its handler). */
function laggingFeed(store: EventStore, lagMs: number): EventStore {
  return {
    kind: store.kind,
    append: (...a) => store.append(...a),
    readStream: (...a) => store.readStream(...a),
    readAll: (...a) => store.readAll(...a),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
    subscribeToAll: (after, handler, options) =>
      store.subscribeToAll(
        after,
        async (events) => {
          await new Promise((r) => setTimeout(r, lagMs));
          await handler(events);
        },
        options,
      ),
  };
}
