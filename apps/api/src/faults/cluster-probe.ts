import { metricValue, percentile } from './bench-stats.js';
import { createRoom, startTestCluster, until, Viewer, type Room } from './cluster-harness.js';

/*
 * Where the cluster's ingress → WebSocket latency goes, one message at a time: an open loop of
 * `--rate` messages/s (in requests of `--batch`) over `--rooms` rooms with one viewer per room on
 * each fan-out node, from this process (fetch). Per message it splits the latency into
 *   ack   request sent → 202 (the append is durable in PostgreSQL),
 *   ts    request sent → the decision's timestamp (HTTP and admission on the api node),
 *   recv  request sent → frame received, and recv − ack (relay → Kafka → fan-out → socket),
 * and prints, per process, the event-loop delay (p99 over the last 10 s window) and, for api nodes,
 * the mean append time. Profiles: PARLEY_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'.
 *
 *   node --import tsx apps/api/src/faults/cluster-probe.ts [--rate 100] [--rooms 16] [--seconds 12] [--batch 1]
 */

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rate = arg('rate', 100);
const roomCount = arg('rooms', 16);
const seconds = arg('seconds', 12);
const batch = Math.max(1, arg('batch', 1));

const cluster = await startTestCluster({ apis: 2, fanouts: 2, projector: false });
// Closed before the cluster stops, or they would try to reconnect to it forever and the probe never exits.
const viewers: Viewer[] = [];
try {
  const apis = cluster.apis.map((a) => a.url);
  const owner = await cluster.identity('discord:probe');
  const rooms: Room[] = [];
  for (let i = 0; i < roomCount; i++) rooms.push(await createRoom(apis[0]!, owner, `probe ${i}`));
  for (const room of rooms) {
    for (const fanout of cluster.fanouts) viewers.push(new Viewer(fanout.url, room.room, await room.viewerToken(apis[0]!, `guest:probe${viewers.length}`)));
  }
  await Promise.all(viewers.map((v) => v.open()));
  // Fan-out consumer groups start at the newest offset once they have joined: wait until a first
  // message reaches every viewer of the first room, so the run measures delivery, not the join.
  await fetch(`${apis[0]}/rooms/${rooms[0]!.room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${rooms[0]!.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'chat', payload: { text: 'warm-up' } }) });
  await until(() => viewers.slice(0, cluster.fanouts.length).every((v) => v.msgs.length > 0), 'the warm-up message on every fan-out node', 30_000);

  const requests: Array<{ sentAt: number; ackedAt: number }> = [];
  const statuses: Record<number, number> = {};
  const total = Math.round((rate * seconds) / batch);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000 * batch) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const room = rooms[i % rooms.length]!;
    const sentAt = Date.now();
    requests[i] = { sentAt, ackedAt: 0 };
    const message = (k: number) => ({ type: 'chat', payload: { text: `probe ${i}.${k}` }, meta: { request: i } });
    inFlight.push(
      fetch(`${apis[i % apis.length]}/rooms/${room.room}/ingress${batch > 1 ? '/batch' : ''}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${room.apiKey}`, 'content-type': 'application/json', 'x-forwarded-for': `10.9.${(i >> 8) & 255}.${i & 255}` },
        body: JSON.stringify(batch > 1 ? { messages: Array.from({ length: batch }, (_, k) => message(k)) } : message(0)),
      }).then(async (res) => {
        await res.text();
        requests[i]!.ackedAt = Date.now();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }),
    );
  }
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 1500));

  const ack: number[] = [];
  const ts: number[] = [];
  const recv: number[] = [];
  const afterAck: number[] = [];
  for (const v of viewers) {
    v.msgs.forEach((m, k) => {
      const request = (m.meta as { request?: number } | undefined)?.request;
      if (request === undefined) return; // the warm-up
      const r = requests[request]!;
      ack.push(r.ackedAt - r.sentAt);
      ts.push(m.ts - r.sentAt);
      recv.push(v.receivedAt[k]! - r.sentAt);
      afterAck.push(v.receivedAt[k]! - r.ackedAt);
    });
  }
  const pct = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
  };
  const processes: Record<string, unknown> = {};
  for (const p of cluster.all()) {
    const text = await (await fetch(`${p.url}/metrics`)).text();
    const value = (prefix: string) => metricValue(text, prefix) ?? NaN;
    const appends = value('parley_event_store_append_duration_seconds_count');
    processes[p.name] = {
      eventLoopDelayP99Ms: Math.round(value('parley_event_loop_delay_seconds{quantile="0.99"}') * 1000),
      ...(appends > 0 ? { meanAppendMs: Math.round((1000 * value('parley_event_store_append_duration_seconds_sum')) / appends) } : {}),
    };
  }
  console.log(
    JSON.stringify(
      { rate, batch, rooms: roomCount, seconds, statuses, frames: recv.length, expected: total * batch * cluster.fanouts.length, ack: pct(ack), ts: pct(ts), recv: pct(recv), recvAfterAck: pct(afterAck), processes },
      null,
      2,
    ),
  );
} finally {
  for (const v of viewers) v.close();
  await cluster.stop();
}
