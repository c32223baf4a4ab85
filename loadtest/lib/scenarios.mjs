// The harness's built-in scenarios: fan-out ceilings, connection scale, end-to-end latency.
// Every target runs alone (one after another) so they never share the 2 cores with each other;
// load comes from separate processes (frame counter workers, HTTP publisher, receivers).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFrameCounter, rateBetween, sourcesFor } from '../clients/frame-counter.mjs';
import { startLatencyReceiver, summarize } from '../clients/latency-receiver.mjs';
import { describeDiskStalls, startDiskStallMonitor } from '../clients/disk-stalls.mjs';
import { startTarget, rssAnonOf, rssOf, isEmbeddedParley, TARGET_LABELS } from './targets.mjs';
import { cpuSecondsOf } from './proc-stat.mjs';
import { bytesPerConnection, fanoutNodesFor, mergeReady, mergeSnapshots, planConnections, splitEvenly } from './connection-split.mjs';
import { pairRatiosWithBare, summarizeRounds } from './fanout-rounds.mjs';

const LOADTEST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Connections one process (server or client worker) is given, below the 20,000-fd limit. */
const PER_PROCESS_CONNECTIONS = 14_000;
/** Messages/s (all rooms together) offered in smoke runs. */
const SMOKE_RATE = 100;
/** The Parley cluster target is measured for connection scale and fan-out, not latency (cluster-bench.ts measures that). */
const NO_LATENCY = 'parley-cluster';
/** Fan-out nodes of the Parley cluster in the fan-out scenario: the default shape of `npm run cluster`. */
const CLUSTER_FANOUT_NODES = 2;

/** Run the HTTP publisher as a child process; resolves with its JSON summary. */
export function runPublisher(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(LOADTEST, 'clients/publisher.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`publisher exited ${code} without a summary: ${out}`));
      }
    });
  });
}

export function publisherArgs({ target, handle, rooms, keysFile, seconds, rate = 'max', batch, concurrency, latency }) {
  const args = ['--target', handle.adapter, '--url', handle.httpUrl, '--room-names', rooms.join(','), '--seconds', String(seconds)];
  args.push('--rate', String(rate));
  args.push('--batch', String(batch ?? 20));
  args.push('--concurrency', String(concurrency ?? defaultConcurrency(target, latency ? 1 : (batch ?? 20))));
  if (keysFile) args.push('--api-keys-file', keysFile);
  if (latency) args.push('--latency');
  return args;
}

/**
 * Requests in flight per target. Peers get one: each request already carries a batch, the next
 * one leaves only when the previous publish returned (natural backpressure), and with more in
 * flight the bare uWS peer stalls its HTTP answers behind socket drains (seen here: 4 in flight
 * gave 10 req/s instead of 70). Parley's ingress is one message per request, durable before
 * 202 (group commit), so it needs many in flight.
 */
function defaultConcurrency(target, batch = 1) {
  // Parley, one message per request: 32 in flight measured the publisher (0.5M deliveries/s at
  // 1 × 10,000), 256 the server (1.1M/s), same day. With batches each request is one append.
  // About 256 messages in flight (1 × 10,000, batch 2: 128 requests gave 1.27M/s, 16 gave
  // 0.85M/s); at least 64 requests: 100 × 100, batch 20, alternated run by run (2026-11-27, the C
  // counter): 16 in flight 1.22M, 1.15M, 1.13M deliveries/s; 64: 1.23M, 1.23M, 1.22M; 128: 1.21M.
  if (isEmbeddedParley(target)) return Math.max(64, Math.ceil(256 / batch));
  // The cluster answers once PostgreSQL has the append, and delivers later, through the relay and
  // Kafka: more requests in flight keep its fan-out nodes busy. 100 × 100, batch 20 (2026-11-27):
  // 16 in flight 571,000–637,000 deliveries/s, 48 829,000, 96 675,000–894,000, 192 885,000.
  if (target === 'parley-cluster') return Math.max(96, Math.ceil(256 / batch));
  return { centrifugo: 4 }[target] ?? 1;
}

/**
 * How a target is driven. `auto` gives each its fastest path measured here: the bare uWS peer
 * publishes in-process (its HTTP publish path tops out lower: 0.76M/s vs 1.14M/s, 1×1000),
 * Socket.IO through HTTP (its in-process driver backs off on engine.io buffers: 34K vs 57K/s),
 * Centrifugo and Parley through their own HTTP APIs (their only publish paths).
 */
function publisherFor(target, choice = 'auto') {
  if (choice === 'auto') return target === 'bare' ? 'self' : 'http';
  if (choice === 'self' && (target === 'bare' || target === 'socketio')) return 'self';
  return 'http';
}

/**
 * Messages per publish request: at most ~20,000 deliveries each (20 messages to 100-subscriber
 * rooms, 2 to a 10,000-subscriber room). Bigger requests took seconds under load and
 * Centrifugo reset them (ECONNRESET), which measured the timeout, not the fan-out.
 */
function batchFor(perRoom) {
  return Math.max(1, Math.min(20, Math.round(20_000 / perRoom)));
}

export function writeKeys(apiKeys) {
  if (Object.keys(apiKeys).length === 0) return { file: null, cleanup: () => {} };
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-keys-'));
  const file = path.join(dir, 'keys.json');
  writeFileSync(file, JSON.stringify(apiKeys));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function describeClient(ready) {
  const how = ready.client === 'native' ? 'C, epoll' : `raw net${ready.clientFallback ? ` (${ready.clientFallback})` : ''}`;
  return `frame-counter (${how}, counts frames without parsing; ${ready.procs} procs, ${ready.sources} source addr)`;
}

// ------------------------------------------------------------------ fan-out

/** One target × one shape: deliveries/s at saturation, with client and server CPU. */
async function fanoutRun(target, shape, options) {
  const { rooms: roomCount, perRoom } = shape;
  const total = roomCount * perRoom;
  const handle = await startTarget(target, target === 'parley-cluster' ? { processes: options.fanouts ?? CLUSTER_FANOUT_NODES } : {});
  const row = { target, label: handle.label, shape: `${roomCount}x${perRoom}`, subscribers: total };
  // The server's CPU: every process of it (the cluster's api node, relay and fan-out nodes; not
  // PostgreSQL and Kafka, which it shares).
  const serverPids = handle.processes?.map((p) => p.pid) ?? [handle.pid];
  const cpuOfServer = () => sum(serverPids.map(cpuSecondsOf));
  const rssOfServer = () => sum(serverPids.map(rssOf));
  const keys = { cleanup: () => {} };
  let counter = null;
  try {
    const { roomNames, apiKeys } = await handle.setupRooms(roomCount, perRoom);
    Object.assign(keys, writeKeys(apiKeys));
    counter = counterOfNodes(startCounters(handle, { rooms: roomCount, perRoom, roomNames, procs: options.procs, sources: sourcesFor(total), client: options.client }));
    const ready = await counter.ready;
    row.client = describeClient(ready);
    row.subscribed = ready.ready;
    if (ready.failed > 0) row.connectFailures = ready.reasons;
    const start = await counter.snapshot();
    const seconds = options.warmup + options.duration;
    // Ceilings publish as fast as the target takes it; a smoke run offers a light fixed rate, and
    // `--rate` a chosen one (to compare CPU per delivery at equal load).
    const rate = options.smoke ? SMOKE_RATE : (options.rate ?? 'max');
    const selfDriven = publisherFor(target, options.publisher) === 'self';
    let publishing;
    if (selfDriven) {
      const url = `${handle.httpUrl}/drive?rooms=${roomCount}&prefix=room-&rate=${rate}&seconds=${seconds}`;
      await fetch(url, { method: 'POST' }).then((r) => r.json());
      publishing = sleep(seconds * 1000).then(() => fetch(`${handle.httpUrl}/stats`).then((r) => r.json()));
      row.publisher = `in-process self-driver (${rate === 'max' ? 'max, backpressure-aware' : `${rate} msgs/s`})`;
    } else {
      const batch = options.smoke ? 1 : (options.batch ?? batchFor(perRoom));
      publishing = runPublisher(publisherArgs({ target, handle, rooms: roomNames, keysFile: keys.file, seconds, rate, batch, concurrency: options.concurrency }));
      row.publisher =
        rate === 'max'
          ? `HTTP publisher process (closed loop, ${batch} msgs/request${handle.adapter === 'parley' && batch > 1 ? ' via /ingress/batch' : ''}, ${options.concurrency ?? defaultConcurrency(target, batch)} in flight)`
          : `HTTP publisher process (${rate} msgs/s, ${batch} msg${batch > 1 ? 's' : ''}/request)`;
    }
    await sleep(options.warmup * 1000);
    const a = await counter.snapshot();
    const cpuA = cpuOfServer();
    const rssA = rssOfServer();
    await sleep(options.duration * 1000);
    const b = await counter.snapshot();
    const cpuB = cpuOfServer();
    const rssB = rssOfServer();
    const published = await publishing;
    await sleep(1500); // let queued frames drain before the loss count
    const end = await counter.snapshot();
    const window = rateBetween(a, b);
    const publishedMessages = published.published;
    Object.assign(row, {
      deliveriesPerSecond: Math.round(window.deliveriesPerSecond),
      clientCpuPercent: Math.round(window.clientCpuPercent),
      clientCpuPerProcess: window.perProcess.map((p) => Math.round(p.cpuPercent)),
      serverCpuPercent: Math.round(((cpuB - cpuA) / window.seconds) * 100),
      serverCpuNsPerDelivery: window.deliveriesPerSecond > 0 ? Math.round(((cpuB - cpuA) / window.seconds / window.deliveriesPerSecond) * 1e9) : null,
      serverRssMiB: Math.round(Math.max(rssA, rssB) / 2 ** 20),
      published: publishedMessages,
      publisherErrors: published.errors ?? 0,
      publisherStatuses: published.statuses,
      received: end.frames - start.frames,
      expected: publishedMessages * perRoom,
      closedDuringRun: end.closed - start.closed,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    });
    if (handle.processes) row.clusterProcesses = handle.processes;
    row.lossPercent = row.expected > 0 ? Number((100 * (1 - row.received / row.expected)).toFixed(2)) : null;
    return row;
  } finally {
    if (counter) await counter.stop();
    keys.cleanup();
    await handle.stop();
  }
}

export async function runFanout({ targets, shapes, rounds = 1, ...options }) {
  const rows = [];
  const errors = [];
  for (let round = 1; round <= rounds; round++) {
    for (const shape of shapes) {
      for (const target of targets) {
        console.error(`fanout: ${target} ${shape.rooms}x${shape.perRoom}${rounds > 1 ? ` (round ${round} of ${rounds})` : ''}...`);
        try {
          const row = { round, ...(await fanoutRun(target, shape, options)) };
          rows.push(row);
          console.error(
            `  ${row.deliveriesPerSecond?.toLocaleString('en-US')} deliveries/s, client CPU ${row.clientCpuPercent}%, server CPU ${row.serverCpuPercent}% (${row.serverCpuNsPerDelivery} ns a delivery), loss ${row.lossPercent}%`,
          );
          errors.push(...fanoutErrors(row, options.smoke));
        } catch (error) {
          console.error(`  failed: ${error.message}`);
          rows.push({ round, target, label: TARGET_LABELS[target], shape: `${shape.rooms}x${shape.perRoom}`, error: error.message });
          errors.push(`${target} ${shape.rooms}x${shape.perRoom}: ${error.message.split('\n')[0]}`);
        }
      }
    }
  }
  pairRatiosWithBare(rows);
  return { rows, errors, settings: { ...options, shapes, rounds }, ...(rounds > 1 ? { summary: summarizeRounds(rows) } : {}) };
}

function fanoutErrors(row, smoke) {
  const out = [];
  const name = `${row.target} ${row.shape}`;
  if (row.subscribed < row.subscribers) out.push(`${name}: ${row.subscribers - row.subscribed} subscribers failed to connect ${JSON.stringify(row.connectFailures ?? {})}`);
  if (row.publisherErrors > 0) out.push(`${name}: ${row.publisherErrors} publish errors ${JSON.stringify(row.publisherStatuses)}`);
  if (row.publisherStatuses?.['429'] > 0) out.push(`${name}: publisher rate-limited (429) ${row.publisherStatuses['429']} times — the figure measures the limit, not the fan-out`);
  if (row.closedDuringRun > 0) out.push(`${name}: ${row.closedDuringRun} subscribers were disconnected`);
  if (!(row.received > 0)) out.push(`${name}: nothing delivered`);
  // In a smoke run the load is light, so every published frame must arrive.
  if (smoke && row.lossPercent > 0.5) out.push(`${name}: ${row.lossPercent}% of frames lost`);
  return out;
}

// ------------------------------------------------------------------ connection scale

/**
 * Server processes for `connections` idle sockets. One process may hold at most RLIMIT_NOFILE
 * descriptors (hard limit 20,000 here, and it cannot be raised: CAP_SYS_RESOURCE is dropped).
 * Bare uWS then runs as several processes sharing the port; the Parley cluster spreads the
 * sockets over its fan-out nodes (≥ 3); other targets are measured up to what one process holds.
 */
function serverProcessesFor(target, connections) {
  if (target === 'bare') return Math.max(1, Math.ceil(connections / PER_PROCESS_CONNECTIONS));
  if (target === 'parley-cluster') return fanoutNodesFor(connections);
  return 1;
}

/**
 * One frame counter per server address. A single address (bare uWS: its processes share the
 * port) gets every connection; the cluster's fan-out nodes (one port each) each get their share
 * of every room. All counters use the source-address range of the whole run (`sources`), so each
 * 127.0.0.x carries ≤ 1,000 sockets in all.
 */
function startCounters(handle, { rooms, perRoom, roomNames, procs, sources, client }) {
  const total = rooms * perRoom;
  if (handle.wsUrls.length === 1) {
    const counter = startFrameCounter({ target: handle.adapter, url: handle.wsUrl, rooms, perRoom, roomNames, sources, client, procs: Math.max(procs, Math.ceil(total / PER_PROCESS_CONNECTIONS)) });
    return [{ node: 0, counter }];
  }
  return planConnections({ rooms, perRoom, nodes: handle.wsUrls.length }).map((part) => ({
    node: part.node,
    counter: startFrameCounter({
      target: handle.adapter,
      url: handle.wsUrls[part.node],
      rooms,
      perRoom: part.perRoom,
      roomNames,
      sources,
      client,
      procs: Math.ceil(part.connections / PER_PROCESS_CONNECTIONS),
    }),
  }));
}

/** The counters of `startCounters` (one per fan-out node) as one counter. */
function counterOfNodes(parts) {
  return {
    ready: Promise.all(parts.map((p) => p.counter.ready)).then(mergeReady),
    snapshot: async () => mergeSnapshots(await Promise.all(parts.map((p) => p.counter.snapshot()))),
    stop: () => Promise.all(parts.map((p) => p.counter.stop())),
  };
}

/** Memory of every server process now (after a full GC where the target offers one): VmRSS, RssAnon, live V8 heap. */
async function readMemory(handle) {
  await handle.settleMemory?.();
  const heaps = (await handle.heapUsage?.()) ?? null;
  const anon = handle.pids.map(rssAnonOf);
  return {
    rss: handle.pids.map(rssOf),
    anon,
    heap: heaps?.map((h) => h.used) ?? null,
    // Anonymous memory outside V8's heap (uWS sockets, malloc): free of V8's heap sizing swings.
    outsideHeap: heaps ? anon.map((a, i) => a - heaps[i].total) : null,
  };
}

const mib = (bytes) => Number((bytes / 2 ** 20).toFixed(1));
const sum = (values) => values.reduce((a, b) => a + b, 0);

/**
 * Connections are opened in two waves of half the viewers each, memory read before, between and
 * after. Memory per connection (the headline) = growth from before to after / open; the second
 * wave's growth / its connections is the marginal cost, a cross-check: a process that starts
 * with freed-but-resident memory (Node after start-up) absorbs part of the first wave in it.
 */
export async function runConnections({ targets, connections, procs }) {
  const rows = [];
  const errors = [];
  for (const target of targets) {
    const counters = [];
    let handle = null;
    try {
      const processes = serverProcessesFor(target, connections);
      console.error(`connections: ${target} × ${connections.toLocaleString('en-US')} (${processes} server process${processes > 1 ? 'es' : ''})...`);
      handle = await startTarget(target, { processes });
      const roomCount = 100;
      const perRoom = Math.ceil(connections / roomCount);
      const sources = sourcesFor(roomCount * perRoom);
      const { roomNames } = await handle.setupRooms(roomCount, perRoom);
      await sleep(1000);
      const before = await readMemory(handle);
      const waves = splitEvenly(perRoom, 2).filter((n) => n > 0);
      let connectSeconds = 0;
      const readies = [];
      let middle = null;
      let openAfterFirst = 0;
      for (const [w, wavePerRoom] of waves.entries()) {
        const started = performance.now();
        const wave = startCounters(handle, { rooms: roomCount, perRoom: wavePerRoom, roomNames, procs, sources });
        counters.push(...wave);
        readies.push(...(await Promise.all(wave.map((c) => c.counter.ready))));
        connectSeconds += (performance.now() - started) / 1000;
        await sleep(3000);
        if (w === 0 && waves.length > 1) {
          middle = await readMemory(handle);
          openAfterFirst = sum((await Promise.all(counters.map((c) => c.counter.snapshot()))).map((x) => x.open));
        }
      }
      const ready = mergeReady(readies);
      const after = await readMemory(handle);
      const snaps = await Promise.all(counters.map((c) => c.counter.snapshot()));
      const serverStats = await handle.serverStats?.();
      const open = sum(snaps.map((x) => x.open));
      const row = {
        target,
        label: handle.label,
        requested: roomCount * perRoom,
        connected: ready.ready,
        openAfterSettle: open,
        failed: ready.failed,
        failureReasons: ready.reasons,
        sourceAddresses: ready.sources,
        clientProcesses: ready.procs,
        connectSeconds: Number(connectSeconds.toFixed(1)),
        serverProcesses: handle.pids.length,
        serverRssBeforeMiB: mib(sum(before.rss)),
        serverRssAfterMiB: mib(sum(after.rss)),
        bytesPerConnection: bytesPerConnection(before.rss, after.rss, open),
        // Cross-checks: each wave alone, the same growth without file-backed pages, the live V8 heap alone.
        firstWaveBytesPerConnection: middle ? bytesPerConnection(before.rss, middle.rss, openAfterFirst) : null,
        marginalBytesPerConnection: middle ? bytesPerConnection(middle.rss, after.rss, open - openAfterFirst) : null,
        anonBytesPerConnection: bytesPerConnection(before.anon, after.anon, open),
        heapBytesPerConnection: before.heap && after.heap ? bytesPerConnection(before.heap, after.heap, open) : null,
        // Live V8 objects + anonymous memory outside the V8 heap: what a connection holds, without V8's heap sizing.
        liveBytesPerConnection:
          before.heap && after.heap ? bytesPerConnection(before.heap, after.heap, open) + bytesPerConnection(before.outsideHeap, after.outsideHeap, open) : null,
        waves: waves.length,
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
        client: describeClient(ready),
      };
      if (handle.memoryMethod) row.memoryMethod = handle.memoryMethod;
      if (handle.wsUrls.length > 1) {
        // Per fan-out node: its share of the sockets and of the memory.
        row.perNode = handle.wsUrls.map((url, i) => ({
          url,
          pid: handle.pids[i],
          open: sum(snaps.filter((_, k) => counters[k].node === i).map((x) => x.open)),
          server: serverStats?.[i] ?? null,
          rssMiB: [before, middle, after].filter(Boolean).map((m) => mib(m.rss[i])),
          rssAnonMiB: [before, middle, after].filter(Boolean).map((m) => mib(m.anon[i])),
          heapUsedMiB: before.heap ? [before, middle, after].filter(Boolean).map((m) => mib(m.heap[i])) : null,
          outsideHeapMiB: before.heap ? [before, middle, after].filter(Boolean).map((m) => mib(m.outsideHeap[i])) : null,
        }));
        row.clusterProcesses = handle.processes;
      }
      rows.push(row);
      console.error(
        `  ${open} open, ${row.bytesPerConnection} bytes/connection (VmRSS ${row.serverRssBeforeMiB} → ${row.serverRssAfterMiB} MiB; ` +
          `first wave ${row.firstWaveBytesPerConnection}, second wave ${row.marginalBytesPerConnection}, RssAnon ${row.anonBytesPerConnection}, live V8 heap ${row.heapBytesPerConnection ?? '—'}, ` +
          `live heap + outside heap ${row.liveBytesPerConnection ?? '—'}), ` +
          `${row.connectSeconds}s to connect, load ${row.loadAverage.join(' ')}`,
      );
      if (ready.failed > 0) errors.push(`${target}: ${ready.failed} connections failed ${JSON.stringify(ready.reasons)}`);
      if (open < ready.ready) errors.push(`${target}: ${ready.ready - open} connections dropped while idle`);
    } catch (error) {
      rows.push({ target, label: handle?.label ?? TARGET_LABELS[target] ?? target, error: error.message });
      errors.push(`${target}: ${error.message.split('\n')[0]}`);
    } finally {
      await Promise.all(counters.map((c) => c.counter.stop()));
      if (handle) await handle.stop();
    }
  }
  return { rows, errors, settings: { connections } };
}

// ------------------------------------------------------------------ latency

/** Publish → receive latency at several open-loop rates (messages/s over 10 rooms). */
export async function runLatency({ targets, rates, duration, warmup }) {
  const rows = [];
  const errors = [];
  for (const target of targets) {
    if (target === NO_LATENCY) {
      rows.push({ target, label: TARGET_LABELS[target], error: 'not in this scenario: apps/api/src/faults/cluster-bench.ts measures the cluster\'s latency' });
      errors.push(`${target}: not in the latency scenario (cluster-bench.ts measures it)`);
      continue;
    }
    const handle = await startTarget(target);
    try {
      const { roomNames, apiKeys } = await handle.setupRooms(10, 2);
      const keys = writeKeys(apiKeys);
      try {
        for (const rate of rates) {
          console.error(`latency: ${target} at ${rate} msgs/s...`);
          const receiver = await startLatencyReceiver({ target: handle.adapter, url: handle.wsUrl, rooms: roomNames, perRoom: 2 });
          const disk = target === 'bare' ? null : await startDiskStallMonitor();
          const publishing = runPublisher(
            publisherArgs({ target, handle, rooms: roomNames, keysFile: keys.file, seconds: warmup + duration, rate, concurrency: 64, latency: true }),
          );
          await sleep(warmup * 1000);
          receiver.reset();
          disk?.begin();
          const published = await publishing;
          await sleep(500);
          const stats = summarize(receiver.samples);
          receiver.close();
          const diskStalls = disk ? await disk.stop() : null;
          const row = {
            target,
            label: TARGET_LABELS[target],
            offeredRate: rate,
            achievedRate: Math.round(published.publishedPerSecond),
            ...stats,
            publisherErrors: published.errors,
            publisherStatuses: published.statuses,
            client: 'latency-receiver (ws, parses each frame; 2 sockets per room, 10 rooms)',
            diskStalls,
          };
          rows.push(row);
          console.error(`  p50 ${row.p50} ms, p99 ${row.p99} ms, max ${row.max} ms over ${row.count} frames${diskStalls ? `; ${describeDiskStalls(diskStalls)}` : ''}`);
          if (published.errors > 0) errors.push(`${target} @${rate}/s: ${published.errors} publish errors ${JSON.stringify(published.statuses)}`);
          if (!(stats.count > 0)) errors.push(`${target} @${rate}/s: no frame received`);
        }
      } finally {
        keys.cleanup();
      }
    } catch (error) {
      rows.push({ target, label: TARGET_LABELS[target], error: error.message });
      errors.push(`${target}: ${error.message.split('\n')[0]}`);
    } finally {
      await handle.stop();
    }
  }
  return { rows, errors, settings: { rates, duration, warmup } };
}
