import { describe, expect, it } from 'vitest';
import { clusterSettings, openClusterStore } from './cluster.js';

describe('clusterSettings', () => {
  it('defaults to the service scripts\' ports and kafkajs settings that hold on a loaded machine', () => {
    expect(clusterSettings({})).toEqual({
      eventStore: { kind: 'postgres' },
      databaseUrl: 'postgres://postgres@127.0.0.1:25432/parley',
      schema: 'parley',
      brokers: ['127.0.0.1:29092'],
      topic: 'parley.events',
      partitions: 6,
      sessionTimeoutMs: 10_000,
      connectionTimeoutMs: 3000,
    });
  });

  it('reads every setting from the environment', () => {
    const settings = clusterSettings({
      DATABASE_URL: 'postgres://u@db:5432/x',
      PARLEY_PG_SCHEMA: 'tenant_1',
      KAFKA_BROKERS: 'k1:9092, k2:9092,',
      PARLEY_KAFKA_TOPIC: 'chat.events',
      PARLEY_KAFKA_PARTITIONS: '12',
      PARLEY_KAFKA_SESSION_TIMEOUT_MS: '30000',
      PARLEY_KAFKA_CONNECTION_TIMEOUT_MS: '15000',
    });
    expect(settings).toEqual({
      eventStore: { kind: 'postgres' },
      databaseUrl: 'postgres://u@db:5432/x',
      schema: 'tenant_1',
      brokers: ['k1:9092', 'k2:9092'],
      topic: 'chat.events',
      partitions: 12,
      sessionTimeoutMs: 30_000,
      connectionTimeoutMs: 15_000,
    });
  });

  it('refuses a setting out of range, naming it', () => {
    expect(() => clusterSettings({ PARLEY_KAFKA_CONNECTION_TIMEOUT_MS: '10' })).toThrow(/PARLEY_KAFKA_CONNECTION_TIMEOUT_MS/);
    expect(() => clusterSettings({ PARLEY_KAFKA_CONNECTION_TIMEOUT_MS: 'soon' })).toThrow(/PARLEY_KAFKA_CONNECTION_TIMEOUT_MS/);
    expect(() => clusterSettings({ PARLEY_PG_SCHEMA: 'drop table' })).toThrow(/PARLEY_PG_SCHEMA/);
  });

  describe('PARLEY_EVENT_STORE', () => {
    it('defaults to postgres (unset or empty)', () => {
      expect(clusterSettings({}).eventStore).toEqual({ kind: 'postgres' });
      expect(clusterSettings({ PARLEY_EVENT_STORE: '' }).eventStore).toEqual({ kind: 'postgres' });
      expect(clusterSettings({ PARLEY_EVENT_STORE: 'postgres', EVENTSTORE_URL: 'esdb://ignored:2113' }).eventStore).toEqual({ kind: 'postgres' });
    });

    it('selects eventstoredb with EVENTSTORE_URL', () => {
      const settings = clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' });
      expect(settings.eventStore).toEqual({ kind: 'eventstoredb', url: 'esdb://127.0.0.1:2113?tls=false' });
      expect(clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: ' esdb+discover://cluster.local:2113 ' }).eventStore).toEqual({
        kind: 'eventstoredb',
        url: 'esdb+discover://cluster.local:2113',
      });
    });

    it('refuses eventstoredb without EVENTSTORE_URL, naming it', () => {
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_URL is required/);
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: '  ' })).toThrow(/EVENTSTORE_URL is required/);
    });

    it('refuses an EVENTSTORE_URL that is not an EventStoreDB connection string', () => {
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'http://127.0.0.1:2113' })).toThrow(/EVENTSTORE_URL must start with esdb:\/\//);
    });

    it('refuses an unknown store, naming the variable (sqlite is the embedded profile\'s, not the cluster\'s)', () => {
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'mongodb' })).toThrow(/PARLEY_EVENT_STORE/);
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'sqlite' })).toThrow(/PARLEY_EVENT_STORE/);
      expect(() => clusterSettings({ PARLEY_EVENT_STORE: 'Postgres' })).toThrow(/PARLEY_EVENT_STORE/);
    });
  });
});

describe('openClusterStore', () => {
  it('opens the EventStoreDB adapter when chosen (the client connects on first use, so no server is needed here)', async () => {
    const store = await openClusterStore(clusterSettings({ PARLEY_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false' }));
    expect(store.kind).toBe('eventstoredb');
    await store.close();
  });
});
