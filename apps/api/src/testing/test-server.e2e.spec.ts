import { existsSync } from 'node:fs';
import pg from 'pg';
import { roomStream } from '@parley/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSettings } from '../cluster.js';
import { e2eProfile, startTestServer, type TestServer } from './test-server.js';

/*
 * The e2e helper runs each server on the engines `PARLEY_E2E_PROFILE` names, so the cluster pass
 * (vitest.cluster.config.ts) really exercises PostgreSQL and Kafka, and two servers never share
 * a log.
 */

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer(), startTestServer()]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const createRoom = async (server: TestServer, name: string) => {
  const res = await fetch(`${server.url}/rooms`, { method: 'POST', headers: { authorization: `Bearer ${await server.identity('discord:helper')}` }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { room: string }).room;
};

describe(`the e2e test server (${e2eProfile} profile)`, () => {
  it('runs on the profile’s event store and bus', () => {
    const expected = e2eProfile === 'cluster' ? { store: 'postgres', bus: 'kafka', relay: true } : { store: 'sqlite', bus: 'inproc', relay: true };
    for (const server of [a, b]) {
      expect(server.profile).toBe(e2eProfile);
      expect({ store: server.parley.ctx.store.kind, bus: server.parley.ctx.bus.kind, relay: server.parley.relay !== null }).toEqual(expected);
    }
  });

  it('gives every server a log of its own', async () => {
    const room = await createRoom(a, 'Only on a');
    expect((await a.parley.ctx.store.readStream(roomStream(room))).length).toBeGreaterThan(0);
    expect(await b.parley.ctx.store.readStream(roomStream(room))).toEqual([]);
    expect(await b.parley.ctx.store.headPosition()).toBe(0);
  });

  it('cleans up on stop: the cluster profile drops its PostgreSQL schema, the embedded one its data dir', async () => {
    const server = await startTestServer();
    await createRoom(server, 'Short-lived');
    const dataDir = server.parley.ctx.config.PARLEY_DATA_DIR;
    if (e2eProfile === 'embedded') {
      expect(server.cluster).toBeNull();
      await server.stop();
      expect(existsSync(dataDir)).toBe(false);
      return;
    }
    const client = new pg.Client({ connectionString: clusterSettings().databaseUrl });
    await client.connect();
    try {
      const schemaExists = async () => (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [server.cluster!.schema])).rowCount === 1;
      expect(await schemaExists()).toBe(true);
      await server.stop();
      expect(await schemaExists()).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await client.end();
    }
  });
});
