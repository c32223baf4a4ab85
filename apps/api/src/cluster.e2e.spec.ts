import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerFrame } from '@parley/contracts/frames';
import { projectorAgainstRebuild } from './faults/clickhouse-rebuild.js';
import {
  call,
  createRoom,
  deliveredInOrder,
  printLogTailsOnFailure,
  runIngressLoop,
  seqGaps,
  startTestCluster,
  until,
  Viewer,
  type Room,
  type TestCluster,
} from './faults/cluster-harness.js';

/*
 * The cluster profile as real processes: PostgreSQL store, Kafka bus, a relay, 2 api nodes and 2
 * fan-out nodes, load from a separate ingress process. Then the faults, one after the other on the
 * same cluster: kill -9 an api node mid-ingress, kill and restart the relay, restart a fan-out node,
 * kill and restart the relay and the ClickHouse projector (its answers equal a rebuild from zero).
 * Each scenario uses a room of its own, so seqs after the room's creation are all messages and
 * any gap is a loss.
 */

let cluster: TestCluster;
let owner: string;

beforeAll(async () => {
  cluster = await startTestCluster({ apis: 2, fanouts: 2, projector: true, viewerSampleMs: 500 });
  owner = await cluster.identity('discord:cluster-owner');
}, 600_000); // a cold start installs the services first

afterEach(printLogTailsOnFailure(() => cluster));

afterAll(async () => {
  await cluster?.stop();
});

const api = (i: number) => cluster.apis[i]!.url;
const fanout = (i: number) => cluster.fanouts[i]!.url;

async function viewers(room: Room, nodes: number[]): Promise<Viewer[]> {
  const list = await Promise.all(nodes.map(async (node, i) => new Viewer(fanout(node), room.room, await room.viewerToken(api(0), `guest:v${i}`))));
  await Promise.all(list.map((v) => v.open()));
  return list;
}

/** A first message reaches every viewer: each fan-out node's consumer group is in place. */
async function warmUp(room: Room, list: Viewer[]): Promise<void> {
  const sent = await call(api(0), 'POST', `/rooms/${room.room}/ingress`, room.apiKey, { type: 'chat', payload: { text: 'warm-up' } });
  expect(sent.status).toBe(202);
  await until(() => list.every((v) => v.msgs.length >= 1), 'the warm-up message on every viewer', 30_000);
}

/** Every acknowledged message reaches every viewer exactly once (ids deduplicated), seqs without a gap, one order for all. */
async function expectEveryAckDelivered(list: Viewer[], acked: Set<number>, prefix: string): Promise<string[]> {
  const ackedTexts = [...acked].map((i) => `${prefix}-${i}`);
  const has = (v: Viewer) => {
    const texts = new Set(v.msgs.map((m) => String(m.payload.text)));
    return ackedTexts.every((t) => texts.has(t));
  };
  await until(() => list.every(has), `${acked.size} acknowledged messages on every viewer`, 60_000);
  const reference = deliveredInOrder(list[0]!);
  for (const v of list) {
    const got = deliveredInOrder(v);
    expect(seqGaps(got.seqs)).toEqual([]);
    const ofLoad = got.texts.filter((t) => t.startsWith(`${prefix}-`));
    // exactly once: no text twice under two ids (a double append), none missing
    expect(new Set(ofLoad).size).toBe(ofLoad.length);
    for (const t of ackedTexts) expect(ofLoad).toContain(t);
    expect(got.texts).toEqual(reference.texts);
    expect(v.resyncs).toEqual([]);
  }
  return reference.texts;
}

/** A socket that keeps every frame, or the refused upgrade's status and body. */
function socket(base: string, room: string, token: string): Promise<{ ws: WebSocket; frames: ServerFrame[] } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?room=${room}&token=${token}`);
    const frames: ServerFrame[] = [];
    ws.on('message', (data) => {
      frames.push(JSON.parse(data.toString()) as ServerFrame);
      if (frames.length === 1) resolve({ ws, frames });
    });
    ws.on('unexpected-response', (_, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

const onlineOf = (frames: ServerFrame[]) => frames.filter((f) => f.t === 'presence' || f.t === 'hello').map((f) => (f as { online: number }).online).at(-1);

describe('cluster profile: 2 api nodes, 2 fan-out nodes, relay, PostgreSQL, Kafka', () => {
  it('max_viewers and presence count the viewers of both fan-out nodes', async () => {
    const room = await createRoom(api(0), owner, 'Capped', { max_viewers: 2 });
    const token = (user: string) => room.viewerToken(api(0), user);
    const a = await socket(fanout(0), room.room, await token('guest:a'));
    const b = await socket(fanout(1), room.room, await token('guest:b'));
    if (!('ws' in a) || !('ws' in b)) throw new Error(`a first viewer was refused: ${JSON.stringify([a, b])}`);
    // Each node hears of the other's viewer within its poll interval (1 s).
    await until(() => onlineOf(a.frames) === 2 && onlineOf(b.frames) === 2, 'presence 2 on both nodes', 10_000);
    for (const node of [0, 1]) {
      const refused = await socket(fanout(node), room.room, await token(`guest:c${node}`));
      expect(refused).toEqual({ status: 403, body: JSON.stringify({ error: 'Forbidden', message: 'room is full (max_viewers 2)', status: 403 }) });
    }
    // A viewer leaves node 2: its place is free on either node.
    b.ws.close();
    await until(() => onlineOf(a.frames) === 1, 'presence 1 on node 1', 10_000);
    const c = await socket(fanout(1), room.room, await token('guest:c'));
    expect('ws' in c).toBe(true);
    for (const s of [a, c]) if ('ws' in s) s.ws.close();
  }, 60_000);

  it('a room made on api node 1, ingress through api node 2: viewers on both fan-out nodes get every message in one order; history and audit log read from both api nodes', async () => {
    const room = await createRoom(api(0), owner, 'Cluster order');
    const list = await viewers(room, [0, 1, 0, 1]);
    await warmUp(room, list);

    // `online` on an api node counts the viewers of both fan-out nodes.
    await until(async () => ((await call(api(1), 'GET', `/rooms/${room.room}/public`, null)).body as { online: boolean }).online === true, 'online on api node 2', 10_000);
    // Admin viewer stats: each fan-out node samples its viewers into ClickHouse; an api node sums them.
    const admin = await cluster.identity('discord:admin');
    await until(async () => {
      const stats = (await call(api(0), 'GET', `/admin/stats/viewers?room=${room.room}`, admin)).body as { total: number; rooms: Array<{ nodes: number }> };
      return stats.total === 4 && stats.rooms[0]?.nodes === 2;
    }, '4 viewers over 2 nodes in the admin viewer stats', 20_000);
    const load = runIngressLoop({ targets: [api(1)], room: room.room, apiKey: room.apiKey, count: 400, rate: 400, prefix: 'order' });
    const { acked, failed } = await load.done;
    expect(failed).toBe(0);
    expect(acked.size).toBe(400);
    const order = await expectEveryAckDelivered(list, acked, 'order');
    for (const v of list) expect(deliveredInOrder(v).duplicates).toBe(0);

    // History (each node's own SQLite timeline, fed from the store's log) agrees with the viewers on both nodes.
    for (const node of [0, 1]) {
      const texts: string[] = [];
      let after = 0; // seqs 0..n are the room's creation events
      for (;;) {
        const page = await call(api(node), 'GET', `/rooms/${room.room}/messages?limit=200&after=${after}`, room.apiKey);
        expect(page.status).toBe(200);
        const body = page.body as { messages: Array<{ seq: number; text?: string; payload?: { text: string } }>; has_more: boolean };
        texts.push(...body.messages.map((m) => String(m.payload?.text ?? m.text)));
        if (!body.has_more || body.messages.length === 0) break;
        after = body.messages.at(-1)!.seq;
      }
      expect(texts).toEqual(order);
    }

    // The audit log (admins) has the room's creation on both nodes.
    const logs = await Promise.all([0, 1].map((node) => call(api(node), 'GET', `/admin/audit-log?room=${room.room}`, admin)));
    for (const log of logs) {
      expect(log.status).toBe(200);
      expect((log.body as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
    }
    expect(logs[1]!.body).toEqual(logs[0]!.body);

    // Admin search on an api node reads what the projector app wrote to ClickHouse (api nodes only query it).
    const searched = async () => {
      const texts: string[] = [];
      let cursor: number | null = null;
      do {
        const page = await call(api(1), 'GET', `/admin/search?room=${room.room}&limit=200${cursor === null ? '' : `&cursor=${cursor}`}`, admin);
        expect(page.status).toBe(200);
        const body = page.body as { messages: Array<{ text: string }>; next_cursor: number | null };
        texts.push(...body.messages.map((m) => m.text));
        cursor = body.next_cursor;
      } while (cursor !== null);
      return texts;
    };
    let texts: string[] = [];
    await until(async () => (texts = await searched()).filter((t) => t.startsWith('order')).length === 400, 'the 400 messages in the admin search of api node 2', 60_000);
    expect(texts.filter((t) => t.startsWith('order')).sort()).toEqual(order.filter((t) => t.startsWith('order')).sort());
    for (const v of list) v.close();
  }, 120_000);

  it('kill -9 an api node mid-ingress: every 202 reaches every viewer once, no seq gap', async () => {
    const room = await createRoom(api(1), owner, 'Api node killed');
    const list = await viewers(room, [0, 1]);
    await warmUp(room, list);

    const load = runIngressLoop({ targets: [api(0), api(1)], room: room.room, apiKey: room.apiKey, count: 800, rate: 200, prefix: 'apikill' });
    await until(() => load.acked.size >= 150, 'load under way', 30_000);
    await cluster.apis[0]!.kill('SIGKILL');
    const { acked, failed, retried } = await load.done;
    expect(failed).toBe(0);
    // Requests did meet the dead node (refused or cut) and were sent again to the live one.
    expect(retried).toBeGreaterThan(0);
    expect(acked.size).toBe(800);
    await expectEveryAckDelivered(list, acked, 'apikill');

    // The node comes back and its read models catch up from the store's log.
    await cluster.apis[0]!.start();
    const last = list[0]!.lastSeq;
    await until(async () => {
      const page = await call(api(0), 'GET', `/rooms/${room.room}/messages?limit=1&before=${last + 1}`, room.apiKey);
      return page.status === 200 && (page.body as { messages: Array<{ seq: number }> }).messages[0]?.seq === last;
    }, 'the restarted api node to have the whole timeline', 30_000);
    for (const v of list) v.close();
  }, 120_000);

  it('kill -9 the relay mid-ingress and start it again: nothing lost, no gap', async () => {
    const room = await createRoom(api(0), owner, 'Relay restarted');
    const list = await viewers(room, [0, 1]);
    await warmUp(room, list);

    const load = runIngressLoop({ targets: [api(0), api(1)], room: room.room, apiKey: room.apiKey, count: 800, rate: 200, prefix: 'relay' });
    await until(() => load.acked.size >= 150, 'load under way', 30_000);
    await cluster.relay.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.relay.start();
    const { acked, failed } = await load.done;
    expect(failed).toBe(0);
    await expectEveryAckDelivered(list, acked, 'relay');
    for (const v of list) v.close();
  }, 120_000);

  it('restart a fan-out node mid-ingress: its viewers reconnect with since=<last seq> and resume without a gap', async () => {
    const room = await createRoom(api(0), owner, 'Fan-out restarted');
    const list = await viewers(room, [0, 0, 1]);
    await warmUp(room, list);

    const load = runIngressLoop({ targets: [api(0), api(1)], room: room.room, apiKey: room.apiKey, count: 800, rate: 200, prefix: 'fanout' });
    await until(() => load.acked.size >= 150, 'load under way', 30_000);
    await cluster.fanouts[0]!.kill('SIGKILL');
    await cluster.fanouts[0]!.start();
    const { acked, failed } = await load.done;
    expect(failed).toBe(0);
    await expectEveryAckDelivered(list, acked, 'fanout');
    expect(list[0]!.connections).toBeGreaterThanOrEqual(2);
    expect(list[1]!.connections).toBeGreaterThanOrEqual(2);
    expect(list[2]!.connections).toBe(1);
    for (const v of list) v.close();
  }, 120_000);

  it('kill -9 the relay and the ClickHouse projector mid-ingress, start them again: the projection answers as a rebuild from zero does', async () => {
    const room = await createRoom(api(0), owner, 'Projector restarted');
    const load = runIngressLoop({ targets: [api(0), api(1)], room: room.room, apiKey: room.apiKey, count: 600, rate: 200, prefix: 'proj' });
    await until(() => load.acked.size >= 150, 'load under way', 30_000);
    await Promise.all([cluster.relay.kill('SIGKILL'), cluster.projector!.kill('SIGKILL')]);
    await Promise.all([cluster.relay.start(), cluster.projector!.start()]);
    const { acked, failed } = await load.done;
    expect(failed).toBe(0);

    const { roomTexts, live, rebuilt } = await projectorAgainstRebuild(cluster, room.room, acked.size);
    expect(roomTexts).toEqual([...acked].map((i) => `proj-${i}`).sort());
    expect(live).toEqual(rebuilt);
  }, 180_000);
});
