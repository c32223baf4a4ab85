#!/usr/bin/env node
// Where ingress → WebSocket latency goes inside the embedded server: runs what `--scenario
// latency` runs (10 rooms × 2 viewers, one message per request, open loop) once, then reads the
// server's own histograms from /metrics and prints, for each stage, the share of events or
// requests under a few bounds. Like the scenario, the first 3 s are a warm-up left out of both.
//   node loadtest/tools/latency-stages.mjs [rate=4000] [seconds=15] [target=parley|parley-thread]
// Stages: the ingress request (arrival → 202, so the durable append), the relay (commit → handed
// to every bus group), realtime (commit → frames written to the sockets); and the main thread's
// event-loop delay. If the receiver's p99 is far above the stages', the wait is outside the server.
import { startLatencyReceiver, summarize } from '../clients/latency-receiver.mjs';
import { bucketsBetween, histogramBuckets } from '../lib/prometheus-histogram.mjs';
import { publisherArgs, runPublisher, writeKeys } from '../lib/scenarios.mjs';
import { startTarget } from '../lib/targets.mjs';

const [rate = 4000, seconds = 15] = process.argv.slice(2, 4).map(Number);
const WARMUP_S = 3;
const targetName = process.argv[4] ?? 'parley';
const BOUNDS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05];

/** What the histogram counted between two scrapes, as shares of its samples at or under each of BOUNDS_S. */
function describe([before, after], label, name, labels) {
  const seen = bucketsBetween(histogramBuckets(before, name, labels), histogramBuckets(after, name, labels));
  const total = seen.at(-1)?.[1] ?? 0;
  if (total === 0) return `${label}: no samples`;
  const shares = [];
  for (const [bound, count] of seen) {
    if (BOUNDS_S.includes(bound)) shares.push(`≤ ${bound * 1000} ms ${((100 * count) / total).toFixed(1)} %`);
  }
  return `${label} (${total}): ${shares.join(', ')}`;
}

const handle = await startTarget(targetName);
let keys = { cleanup: () => {} };
try {
  const { roomNames, apiKeys } = await handle.setupRooms(10, 2);
  keys = writeKeys(apiKeys);
  const receiver = await startLatencyReceiver({ target: handle.adapter, url: handle.wsUrl, rooms: roomNames, perRoom: 2 });
  const publishing = runPublisher(
    publisherArgs({ target: targetName, handle, rooms: roomNames, keysFile: keys.file, seconds: WARMUP_S + seconds, rate, concurrency: 64, latency: true }),
  );
  const scrape = async () => (await fetch(`${handle.httpUrl}/metrics`)).text();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
  receiver.reset();
  const before = await scrape();
  await publishing;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const received = summarize(receiver.samples);
  receiver.close();
  const metrics = [before, await scrape()];
  console.log(`${targetName} at ${rate} msgs/s, ${seconds} s after a ${WARMUP_S} s warm-up`);
  console.log(`received: p50 ${received.p50}, p90 ${received.p90}, p99 ${received.p99}, max ${received.max} ms over ${received.count} frames`);
  console.log(describe(metrics, 'ingress request', 'parley_http_request_duration_seconds', 'route="POST /rooms/{room}/ingress"'));
  console.log(describe(metrics, 'relay (commit → bus)', 'parley_relay_event_age_seconds'));
  console.log(describe(metrics, 'realtime (commit → sockets)', 'parley_realtime_event_age_seconds'));
  const loop = metrics[1].split('\n').filter((l) => l.startsWith('parley_event_loop_delay_seconds{'));
  console.log(`main thread event-loop delay (the last 10 s): ${loop.map((l) => `${l.match(/quantile="([^"]+)"/)?.[1]} ${(Number(l.split(' ').pop()) * 1000).toFixed(1)} ms`).join(', ')}`);
} finally {
  keys.cleanup();
  await handle.stop();
}
