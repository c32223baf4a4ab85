import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, createRoom, deliveredInOrder, printLogTailsOnFailure, repoRoot, runIngressLoop, seqGaps, startTestCluster, until, Viewer, type TestCluster } from './cluster-harness.js';
import { projectorAgainstRebuild } from './clickhouse-rebuild.js';

/*
 * Stop and start the Kafka broker under ingress load. The broker is a private instance (own data
 * dir and ports, scripts/services/kafka.sh overrides), so stopping it disturbs no other suite.
 * Ingress keeps being acknowledged meanwhile (acks only need PostgreSQL); the relay and the fan-out
 * node ride the outage out by themselves; nothing acknowledged is lost, viewers see no gap; the
 * ClickHouse projector catches up by itself and answers as a rebuild from zero does.
 */

const run = promisify(execFile);
const broker = { port: '29292', controller: '29293' };
const kafka = (command: 'start' | 'stop') =>
  run('bash', [join(repoRoot, 'scripts/services/kafka.sh'), command], {
    cwd: repoRoot,
    timeout: 300_000,
    env: {
      ...process.env,
      PARLEY_KAFKA_HOME: join(repoRoot, '.services/kafka-cluster-fault'),
      PARLEY_KAFKA_PORT: broker.port,
      PARLEY_KAFKA_CONTROLLER_PORT: broker.controller,
    },
  });

let cluster: TestCluster;

beforeAll(async () => {
  await kafka('start');
  cluster = await startTestCluster({ apis: 1, fanouts: 1, projector: true, kafkaBrokers: `127.0.0.1:${broker.port}` });
}, 600_000); // a cold start installs the services first

afterEach(printLogTailsOnFailure(() => cluster));

afterAll(async () => {
  await cluster?.stop();
  await kafka('stop');
}, 120_000);

describe('fault: the Kafka broker stops and starts', () => {
  it('ingress stays acknowledged, delivery resumes by itself, nothing acknowledged is lost', async () => {
    const api = cluster.apis[0]!.url;
    const room = await createRoom(api, await cluster.identity('discord:kafka-owner'), 'Broker restarted');
    const viewers = [new Viewer(cluster.fanouts[0]!.url, room.room, await room.viewerToken(api, 'guest:a')), new Viewer(cluster.fanouts[0]!.url, room.room, await room.viewerToken(api, 'guest:b'))];
    await Promise.all(viewers.map((v) => v.open()));
    expect((await call(api, 'POST', `/rooms/${room.room}/ingress`, room.apiKey, { type: 'chat', payload: { text: 'warm-up' } })).status).toBe(202);
    await until(() => viewers.every((v) => v.msgs.length === 1), 'the warm-up message', 30_000);

    const load = runIngressLoop({ targets: [api], room: room.room, apiKey: room.apiKey, count: 1000, rate: 100, prefix: 'broker' });
    await until(() => load.acked.size >= 150, 'load under way', 30_000);
    await kafka('stop');
    const ackedWhileDown = load.acked.size;
    await new Promise((r) => setTimeout(r, 2000));
    const ackedDuringOutage = load.acked.size - ackedWhileDown;
    await kafka('start');
    const { acked, failed } = await load.done;
    expect(failed).toBe(0);
    expect(acked.size).toBe(1000);
    // The store, not the broker, is what a 202 waits for.
    expect(ackedDuringOutage).toBeGreaterThan(50);

    const texts = [...acked].map((i) => `broker-${i}`);
    await until(() => viewers.every((v) => texts.every((t) => v.msgs.some((m) => m.payload.text === t))), 'every acknowledged message on both viewers', 90_000);
    const reference = deliveredInOrder(viewers[0]!);
    for (const v of viewers) {
      const got = deliveredInOrder(v);
      expect(seqGaps(got.seqs)).toEqual([]);
      expect(got.texts).toEqual(reference.texts);
      expect(new Set(got.texts).size).toBe(got.texts.length);
      expect(v.resyncs).toEqual([]);
    }
    for (const v of viewers) v.close();

    const projected = await projectorAgainstRebuild(cluster, room.room, acked.size + 1);
    expect(projected.roomTexts).toEqual(['warm-up', ...texts].sort());
    expect(projected.live).toEqual(projected.rebuilt);
  }, 300_000);
});
