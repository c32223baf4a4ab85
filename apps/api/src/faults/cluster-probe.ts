import { writeFileSync } from 'node:fs';
import { startClickhouseWorkMeter } from './clickhouse-work.js';
import { cliArg, clusterShapeArgs, eventAgesBetween, gcPausesBetween, metricValue, numberArg, percentile, scrapeMetrics } from './bench-stats.js';
import { brokerAgeBeforeRun } from './broker-age.js';
import { createRoom, servicesDir, startTestCluster, type Room } from './cluster-harness.js';
import { startDiskStallMonitor } from '../../../../loadtest/clients/disk-stalls.mjs';
import { RawHttpPool } from '../../../../loadtest/clients/raw-http.mjs';
import { startCpuTimeline } from '../../../../loadtest/tools/cpu-timeline.mjs';
import { startLatencyViewers, type ViewerSpec } from './latency-viewers.js';

/*
 * Where the cluster's ingress → WebSocket latency goes, one message at a time: an open loop of
 * `--rate` messages/s (in requests of `--batch`) over `--rooms` rooms with one viewer per room on
 * each fan-out node (in a process of their own, latency-viewers.ts), from this process through
 * loadtest/clients/raw-http.mjs (fetch opened a connection per request in flight and ran out of
 * file descriptors at 2,500 requests/s). Per message it splits the latency into
 *   ack   request sent → 202 (the append is durable in PostgreSQL),
 *   ts    request sent → the decision's timestamp (HTTP and admission on the api node),
 *   recv  request sent → frame received, and recv − ack (relay → Kafka → fan-out → socket),
 * and prints, per process, the event-loop delay (p99 over the last 10 s window), for api nodes the
 * mean append time, for the relay and the fan-out nodes how old events were when the relay had them
 * on Kafka and when a node sent their frames (bucket bounds of their `*_event_age_seconds`
 * histograms over the measured part), each process's garbage-collection pauses over the measured
 * part (`gcPauses`: how many, their total, how many over 10 ms, the longest's bucket bound), and how
 * often the disk stalled a durable write meanwhile (disk-stalls.mjs); with `--projector`, what the
 * ClickHouse server did over the measured part (`clickhouse`: inserts, queries, rows inserted and merged).
 * Profiles: PARLEY_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'.
 *
 * Requests that got no answer (status 0) are listed with when they were sent and why (`failures`, the first 20).
 * `--warmup S` sends the same load for S seconds first, unmeasured. `--projector` runs the
 * ClickHouse projector too, as the cluster benchmark does. `--dump FILE` also writes one line per
 * frame (ms since the first measured request, ack, recv, ts) so a tail can be placed in time, and
 * `--timeline FILE` what every process did with the CPU meanwhile (loadtest/tools/cpu-timeline.mjs,
 * every 100 ms); `node loadtest/tools/tail-bursts.mjs DUMP TIMELINE` lines the two up.
 *
 *   node --import tsx apps/api/src/faults/cluster-probe.ts [--rate 100] [--rooms 16] [--seconds 12] [--batch 1] [--warmup 0] [--dump FILE] [--timeline FILE] [--projector] [--apis 2] [--fanouts 2]
 */

const rate = numberArg('rate', 100);
const roomCount = numberArg('rooms', 16);
const seconds = numberArg('seconds', 12);
const batch = Math.max(1, numberArg('batch', 1));
/** Seconds of the same load, not measured, first: cold JIT in every process (and Kafka's JVM) otherwise makes the tail. */
const warmupSeconds = numberArg('warmup', 0);
const dumpFile = cliArg('dump');
const timelineFile = cliArg('timeline');

const cluster = await startTestCluster({ ...clusterShapeArgs(), projector: process.argv.includes('--projector') });
let viewers: Awaited<ReturnType<typeof startLatencyViewers>> | null = null;
let pools: RawHttpPool[] = [];
try {
  const apis = cluster.apis.map((a) => a.url);
  const owner = await cluster.identity('discord:probe');
  const rooms: Room[] = [];
  for (let i = 0; i < roomCount; i++) rooms.push(await createRoom(apis[0]!, owner, `probe ${i}`));
  const specs: ViewerSpec[] = [];
  for (const room of rooms) {
    for (const fanout of cluster.fanouts) specs.push({ url: fanout.url, room: room.room, token: await room.viewerToken(apis[0]!, `guest:probe${specs.length}`) });
  }
  viewers = await startLatencyViewers(specs);
  // Fan-out consumer groups start at the newest offset once they have joined: wait until a first
  // message reaches a viewer on every fan-out node, so the run measures delivery, not the join.
  const warmUpEnd = Date.now() + 30_000;
  for (let received = 0; received < cluster.fanouts.length; ) {
    if (Date.now() > warmUpEnd) throw new Error('the warm-up message did not reach every fan-out node in 30 s');
    const sentAt = Date.now();
    await fetch(`${apis[0]}/rooms/${rooms[0]!.room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${rooms[0]!.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'chat', payload: { text: 'warm-up' }, meta: { sentAt } }) });
    await new Promise((r) => setTimeout(r, 500));
    received = (await viewers.samples(sentAt)).length;
  }

  pools = apis.map((api) => {
    const url = new URL(api);
    return new RawHttpPool({ host: url.hostname, port: url.port, size: 256 });
  });
  const requests: Array<{ sentAt: number; ackedAt: number }> = [];
  const statuses: Record<number, number> = {};
  const failures: Array<{ atMs: number; error: string }> = [];
  /** Open loop at `rate` for `runSeconds`; a warm-up's messages carry `meta.request` −1. Resolves with the requests sent. */
  const openLoop = async (runSeconds: number, measured: boolean) => {
    const total = Math.round((rate * runSeconds) / batch);
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000 * batch) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const room = rooms[i % rooms.length]!;
      const sentAt = Date.now();
      if (measured) requests[i] = { sentAt, ackedAt: 0 };
      const message = (k: number) => ({ type: 'chat', payload: { text: `probe ${i}.${k}` }, meta: { sentAt, request: measured ? i : -1 } });
      inFlight.push(
        pools[i % pools.length]!.request(
          'POST',
          `/rooms/${room.room}/ingress${batch > 1 ? '/batch' : ''}`,
          { authorization: `Bearer ${room.apiKey}`, 'content-type': 'application/json', 'x-forwarded-for': `10.9.${(i >> 8) & 255}.${i & 255}` },
          JSON.stringify(batch > 1 ? { messages: Array.from({ length: batch }, (_, k) => message(k)) } : message(0)),
        ).then((answer) => {
          if (!measured) return;
          requests[i]!.ackedAt = Date.now();
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          // Status 0: no answer (the connection failed or closed); why, and when in the run.
          if (answer.status === 0) failures.push({ atMs: sentAt - (requests[0]?.sentAt ?? sentAt), error: String(answer.error) });
        }),
      );
    }
    await Promise.all(inFlight);
    return total;
  };
  const disk = await startDiskStallMonitor();
  const timeline = timelineFile ? await startCpuTimeline({ file: timelineFile }) : null;
  if (warmupSeconds > 0) await openLoop(warmupSeconds, false);
  const brokerAge = brokerAgeBeforeRun(servicesDir);
  const before = await scrapeMetrics(cluster.all());
  const clickhouseMeter = cluster.clickhouse ? await startClickhouseWorkMeter(cluster.clickhouse.url) : null;
  disk.begin();
  const total = await openLoop(seconds, true);
  const diskStalls = await disk.stop();
  const clickhouse = (await clickhouseMeter?.stop()) ?? null;
  const firstSentAt = requests[0]!.sentAt;
  await new Promise((r) => setTimeout(r, 1500));
  await timeline?.stop();

  const ack: number[] = [];
  const ts: number[] = [];
  const recv: number[] = [];
  const afterAck: number[] = [];
  const rows: string[] = [];
  for (const sample of await viewers.samples(0)) {
    const r = requests[sample.request];
    if (!r) continue; // the warm-up
    ack.push(r.ackedAt - r.sentAt);
    ts.push(sample.ts - r.sentAt);
    recv.push(sample.receivedAt - r.sentAt);
    afterAck.push(sample.receivedAt - r.ackedAt);
    rows.push(`${r.sentAt - firstSentAt}\t${r.ackedAt - r.sentAt}\t${sample.receivedAt - r.sentAt}\t${sample.ts - r.sentAt}`);
  }
  if (dumpFile) {
    rows.sort((a, b) => parseInt(a) - parseInt(b));
    writeFileSync(dumpFile, [`# first request sent at ${firstSentAt} (ms since the epoch)`, 'atMs\tack\trecv\tts', ...rows].join('\n') + '\n');
  }
  const pct = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
  };
  const processes: Record<string, unknown> = {};
  for (const [name, text] of await scrapeMetrics(cluster.all())) {
    const value = (prefix: string) => metricValue(text, prefix) ?? NaN;
    const appends = value('parley_event_store_append_duration_seconds_count');
    processes[name] = {
      eventLoopDelayP99Ms: Math.round(value('parley_event_loop_delay_seconds{quantile="0.99"}') * 1000),
      ...(appends > 0 ? { meanAppendMs: Math.round((1000 * value('parley_event_store_append_duration_seconds_sum')) / appends) } : {}),
      ...eventAgesBetween(before.get(name) ?? '', text),
      gcPauses: gcPausesBetween(before.get(name) ?? '', text),
    };
  }
  console.log(
    JSON.stringify(
      { rate, batch, rooms: roomCount, seconds, startedAt: new Date(firstSentAt).toISOString(), brokerAgeSeconds: brokerAge, statuses, ...(failures.length > 0 ? { failures: failures.slice(0, 20) } : {}), frames: recv.length, expected: total * batch * cluster.fanouts.length, ack: pct(ack), ts: pct(ts), recv: pct(recv), recvAfterAck: pct(afterAck), diskStalls, clickhouse, processes },
      null,
      2,
    ),
  );
} finally {
  for (const pool of pools) pool.close();
  await viewers?.close();
  await cluster.stop();
}
