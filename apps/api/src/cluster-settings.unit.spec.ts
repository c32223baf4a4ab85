import { describe, expect, it } from 'vitest';
import { clusterSettings } from './cluster.js';

describe('clusterSettings', () => {
  it('defaults to the service scripts\' ports and kafkajs settings that hold on a loaded machine', () => {
    expect(clusterSettings({})).toEqual({
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
});
