import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { startClickhouseWorkMeter } from './clickhouse-work.js';
import { cliArg, clusterShapeArgs, eventAgesBetween, gcPausesBetween, metricValue, numberArg, percentile, scrapeMetrics } from './bench-stats.js';
import { brokerAgeBeforeRun } from './broker-age.js';
import { createRoom, repoRoot, servicesDir, startEmbedded, startTestCluster, type Room } from './cluster-harness.js';
import { describeDiskStalls, startDiskStallMonitor } from '../../../../loadtest/clients/disk-stalls.mjs';
import { cpuSecondsOf } from '../../../../loadtest/lib/proc-stat.mjs';
import { startLatencyViewers, type ViewerSpec } from './latency-viewers.js';

/*
 * Durable ingress ceiling and ingress → WebSocket latency, cluster profile vs embedded profile,
 * same load generator (apps/api/src/faults/ingress-load.ts, its own process).
 *
 *   node --import tsx apps/api/src/faults/cluster-bench.ts [--seconds 15] [--connections 128] [--rooms 16] [--profiles cluster,embedded] [--batch 1] [--rates 2500] [--warmup 20] [--apis 2] [--fanouts 2]
 *
 * `--batch N` (N > 1) sends N messages per request to `/ingress/batch` (one durable append each),
 * in the ceiling and the latency runs; rates count messages.
 *
 * Per profile: (1) closed loop from `connections` keep-alive connections for `seconds`: 202s per
 * second = the durable ingress ceiling (a 202 is sent only after the append is durable); (2) open
 * loop at half that rate for `seconds` while two WebSocket viewers per room (spread over the
 * fan-out nodes in the cluster) measure receive time − meta.sentAt. The cluster runs
 * `--apis` api nodes and `--fanouts` fan-out nodes (2 and 2 by default, as `npm run cluster`),
 * the relay and the ClickHouse projector; the projector's lag gauge is sampled meanwhile, and
 * ClickHouse's `system.events` read before and after (`clickhouse`: inserts, queries, rows).
 * The viewers run in a process of their own (latency-viewers.ts) that keeps only numbers;
 * loadtest/clients/disk-stalls.mjs reports how often the disk stalled a durable write meanwhile.
 * Every run also reports the CPU each Parley process and each service took (% of one core), and
 * their sum: where that nears the machine's cores, the latency is queueing.
 */

const seconds = numberArg('seconds', 15);
const connections = numberArg('connections', 128);
const roomCount = numberArg('rooms', 16);
const profiles = (cliArg('profiles') ?? 'cluster,embedded').split(',');
/** A second latency run at this fixed rate: the pipeline's own delay, with little queueing. */
const lowRate = numberArg('low-rate', 100);
const batch = numberArg('batch', 1);
/** More latency runs at these fixed rates (e.g. 2500: half of issue 7's 5,000 msgs/s target), whatever the ceiling. */
const fixedRates = (cliArg('rates') ?? '').split(',').filter(Boolean).map(Number);
/**
 * Seconds of the ceiling's closed-loop load before it is counted. Kafka's JVM needs about 20 s of
 * load to compile its hot paths: before that it spent ~112 % of a core at 2,500 events/s, after
 * it 35–40 % (`.scratch`-style probe, 09:05), so a short warm-up measured a cold broker.
 */
const warmupSeconds = numberArg('warmup', 20);
const shape = clusterShapeArgs();

type LatencyViewers = Awaited<ReturnType<typeof startLatencyViewers>>;

interface LoadSummary {
  seconds: number;
  sent: number;
  accepted: number;
  acceptedPerSecond: number;
  statuses: Record<string, number>;
  errors: number;
}

function load(options: object): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/api/src/faults/ingress-load.ts'), JSON.stringify(options)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadSummary) : reject(new Error(`load generator exited ${code}`))));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    return cpuSecondsOf(pid);
  } catch {
    return 0;
  }
}

/** CPU seconds by process name: Parley's processes, and the service servers (all their processes summed). */
function cpuByProcess(parley: Processes): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of parley) if (p.pid) out.set(p.name, cpuSeconds(p.pid));
  for (const line of execFileSync('ps', ['-eo', 'pid=,comm=']).toString().split('\n')) {
    const [pid, comm] = line.trim().split(/\s+/);
    const service = comm && /^(postgres|java|clickhouse)/.exec(comm)?.[1];
    if (service) out.set(service === 'java' ? 'kafka (java)' : service, (out.get(service === 'java' ? 'kafka (java)' : service) ?? 0) + cpuSeconds(Number(pid)));
  }
  return out;
}

type Processes = Array<{ name: string; pid: number | undefined; url: string }>;

/**
 * % of one core each process (and each service, all its processes summed) used from now until
 * `stop()`, and their sum: at a fixed rate, how much of the machine the cluster takes (the rest is
 * left to the load generator, the viewers and everything else on it).
 */
function cpuMeter(processes: Processes): { stop(): { byProcess: Record<string, number>; total: number } } {
  const before = cpuByProcess(processes);
  const started = performance.now();
  return {
    stop() {
      const elapsed = (performance.now() - started) / 1000;
      const byProcess = Object.fromEntries([...cpuByProcess(processes)].map(([name, s]) => [name, Math.round((100 * (s - (before.get(name) ?? 0))) / elapsed)]));
      return { byProcess, total: Object.values(byProcess).reduce((a, b) => a + b, 0) };
    },
  };
}

async function scrapeGauge(url: string, name: string): Promise<number | null> {
  try {
    return metricValue(await (await fetch(`${url}/metrics`)).text(), name);
  } catch {
    return null;
  }
}

/** The projector's ops URL (its lag gauge) and its ClickHouse server (what the server did). */
interface ProjectorTarget {
  url: string;
  clickhouseUrl: string;
}

async function measure(profile: string, targets: string[], fanouts: string[], owner: string, projector: ProjectorTarget | null, processes: Processes) {
  const rooms: Room[] = [];
  for (let i = 0; i < roomCount; i++) rooms.push(await createRoom(targets[0]!, owner, `bench ${i}`));
  const roomKeys = rooms.map((r) => ({ room: r.room, apiKey: r.apiKey }));

  const loading = load({ mode: 'closed', targets, rooms: roomKeys, connections, seconds, warmupSeconds, batch });
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  // Over the counted part of the closed-loop run (after the warm-up).
  const meter = cpuMeter(processes);
  const ceiling = await loading;
  const cpuAtCeiling = meter.stop().byProcess;
  const halfRate = Math.max(1, Math.floor(ceiling.acceptedPerSecond / 2));

  const specs: ViewerSpec[] = [];
  for (const room of rooms) {
    for (let v = 0; v < 2; v++) specs.push({ url: fanouts[v % fanouts.length]!, room: room.room, token: await room.viewerToken(targets[0]!, `guest:bench${v}`) });
  }
  const viewers = await startLatencyViewers(specs);
  const half = await latencyRun(viewers, targets, roomKeys, halfRate, projector, processes);
  const low = await latencyRun(viewers, targets, roomKeys, Math.min(lowRate, halfRate), projector, processes);
  const atRates = [];
  for (const rate of fixedRates) atRates.push(await latencyRun(viewers, targets, roomKeys, rate, projector, processes));
  await viewers.close();
  return {
    profile,
    ceiling,
    cpuAtCeiling,
    atHalfCeiling: half,
    atLowRate: low,
    ...(atRates.length > 0 ? { atRates } : {}),
  };
}

/**
 * Open-loop load at `rate` while the viewers measure receive time − meta.sentAt (and the projector's
 * lag gauge is sampled, and ClickHouse's inserts and queries counted).
 */
async function latencyRun(viewers: LatencyViewers, targets: string[], rooms: object[], rate: number, projector: ProjectorTarget | null, processes: Processes) {
  const lagSamples: number[] = [];
  const sampler = projector
    ? setInterval(() => void scrapeGauge(projector.url, 'parley_projection_lag_ms').then((v) => v !== null && lagSamples.push(v)), 250)
    : null;
  const disk = await startDiskStallMonitor();
  const scrapedBefore = await scrapeMetrics(processes);
  const clickhouseMeter = projector ? await startClickhouseWorkMeter(projector.clickhouseUrl) : null;
  const startedAt = Date.now();
  const meter = cpuMeter(processes);
  const open = await load({ mode: 'open', targets, rooms, rate, seconds, batch: rate >= 10 * batch ? batch : 1 });
  const cpu = meter.stop();
  const clickhouse = (await clickhouseMeter?.stop()) ?? null;
  const diskStalls = await disk.stop();
  console.error(`  at ${rate} msgs/s, the disk: ${describeDiskStalls(diskStalls)}`);
  await new Promise((r) => setTimeout(r, 2000));
  if (sampler) clearInterval(sampler);
  const scrapedAfter = await scrapeMetrics(processes);
  const eventAges = Object.fromEntries(
    [...scrapedAfter].map(([name, text]) => [name, eventAgesBetween(scrapedBefore.get(name) ?? '', text)] as const).filter(([, ages]) => Object.keys(ages).length > 0),
  );
  const gcPauses = Object.fromEntries(
    [...scrapedAfter].map(([name, text]) => [name, gcPausesBetween(scrapedBefore.get(name) ?? '', text)] as const).filter(([, pauses]) => pauses !== null),
  );
  const latencies = await viewers.collect(startedAt);
  latencies.sort((a, b) => a - b);
  lagSamples.sort((a, b) => a - b);
  return {
    offered: rate,
    achieved: open.acceptedPerSecond,
    statuses: open.statuses,
    framesExpected: open.accepted * 2,
    framesReceived: latencies.length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    diskStalls,
    cpuPercent: cpu.byProcess,
    cpuPercentTotal: cpu.total,
    eventAgeMs: eventAges,
    gcPauses,
    clickhouse,
    projectionLagMs: projector ? { samples: lagSamples.length, p50: percentile(lagSamples, 50), p99: percentile(lagSamples, 99), max: lagSamples.at(-1) ?? NaN } : null,
  };
}

const machine = { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map((l) => l.toFixed(2)) };
console.error(JSON.stringify({ machine, seconds, warmupSeconds, connections, rooms: roomCount, batch, cluster: shape }));
const results = [];
for (const profile of profiles) {
  if (profile === 'cluster') {
    const cluster = await startTestCluster({ ...shape, projector: true });
    try {
      const brokerAge = brokerAgeBeforeRun(servicesDir);
      const measured = await measure('cluster', cluster.apis.map((a) => a.url), cluster.fanouts.map((f) => f.url), await cluster.identity('discord:bench'), { url: cluster.projector!.url, clickhouseUrl: cluster.clickhouse!.url }, cluster.all());
      results.push({ ...measured, brokerAgeSeconds: brokerAge });
    } catch (error) {
      for (const p of cluster.all()) console.error(`--- ${p.name}\n${p.tail()}`);
      throw error;
    } finally {
      await cluster.stop();
    }
  } else {
    const embedded = await startEmbedded();
    try {
      results.push(await measure('embedded', [embedded.node.url], [embedded.node.url], await embedded.identity('discord:bench'), null, [embedded.node]));
    } catch (error) {
      console.error(embedded.node.tail());
      throw error;
    } finally {
      await embedded.stop();
    }
  }
  console.error(JSON.stringify(results.at(-1)));
}
console.log(JSON.stringify({ date: new Date().toISOString(), machine, seconds, warmupSeconds, connections, rooms: roomCount, batch, cluster: shape, loadavgAfter: loadavg().map((l) => l.toFixed(2)), results }, null, 2));
