import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { Bus } from '@parley/infra/bus';
import type { EventStore } from '@parley/infra/event-store';
import { clusterSettings, openClusterBus, openClusterStore, type ClusterSettings } from '../cluster.js';
import { ensureService } from '../faults/cluster-harness.js';

/*
 * The cluster profile's engines for one in-process test server: a PostgreSQL event store in a
 * schema of its own and a Kafka bus on a topic of its own (so parallel spec files never see each
 * other's events), with a client id of its own.
 */

export interface ClusterEngines {
  id: string;
  settings: ClusterSettings;
  store: EventStore;
  bus: Bus;
  /** Drops the schema and deletes the topic (best effort). Call after the store and bus are closed. */
  dropAll(): Promise<void>;
}

let servicesStarted = false;

/** Starts PostgreSQL and Kafka through their scripts once per test process (a no-op when they run). */
function ensureClusterServices(): void {
  if (servicesStarted) return;
  ensureService('postgres');
  ensureService('kafka');
  servicesStarted = true;
}

export async function openClusterEngines(): Promise<ClusterEngines> {
  ensureClusterServices();
  const id = randomBytes(5).toString('hex');
  const settings = clusterSettings({
    ...process.env,
    PARLEY_PG_SCHEMA: `e2e_${id}`,
    PARLEY_KAFKA_TOPIC: `parley.e2e.${id}`,
    // Several partitions, so one room's order must come from keying by room, as in production.
    PARLEY_KAFKA_PARTITIONS: process.env.PARLEY_KAFKA_PARTITIONS ?? '3',
  });
  const dropAll = () => Promise.all([dropSchema(settings), deleteTopicAndGroups(settings, id)]).then(() => undefined);
  let store: EventStore;
  try {
    store = await openClusterStore(settings);
  } catch (error) {
    await dropAll();
    throw error;
  }
  // The topic is new, so its first events come after this node subscribed: `earliest` loses nothing
  // and replays nothing (a `latest` group could resolve its start offset after the relay's first publish).
  const bus = openClusterBus(settings, `parley-e2e-${id}`, 'earliest');
  return { id, settings, store, bus, dropAll };
}

async function dropSchema(settings: ClusterSettings): Promise<void> {
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${settings.schema}" CASCADE`);
  } catch {
    // best effort: a leftover schema only costs disk
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The topic, and the consumer groups this server made (every group name of a node holds its node id, so the test id). */
async function deleteTopicAndGroups(settings: ClusterSettings, id: string): Promise<void> {
  const admin = new Kafka({ brokers: settings.brokers, clientId: `parley-e2e-cleanup`, logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [settings.topic], timeout: 5000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(id));
    if (groups.length > 0) await admin.deleteGroups(groups);
  } catch {
    // best effort: a leftover topic or group only costs disk
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
