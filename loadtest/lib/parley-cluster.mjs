// The `parley-cluster` bench target: Parley's cluster profile on loopback, started the way
// scripts/cluster.mjs and apps/api/src/faults/cluster-harness.ts start it — PostgreSQL and Kafka
// through scripts/services/*.sh (ClickHouse is not needed: no projector, no admin analytics),
// then the relay, one api node and N fan-out nodes, each started as scripts/cluster-node.mjs says
// (its role's Node flags, then `--import tsx <entry>`) in its own process group with its own port
// and data dir. The run gets a PostgreSQL schema and a Kafka topic of its own, dropped when it
// stops (also after Ctrl-C, by a detached cleanup process).
// The services themselves keep running afterwards, as with `npm run cluster`: they are shared.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterNodeArgs, profilingFlags } from '../../scripts/cluster-node.mjs';
import { collectGarbage, heapUsage } from './inspector-gc.mjs';
import { atKill, freePort, httpOk, spawnGroup, stopGroup, waitFor } from './processes.mjs';

const LIB = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(path.dirname(LIB));

export const clusterLabel = (fanouts) => `Parley (cluster: ${fanouts} fan-out node${fanouts === 1 ? '' : 's'})`;

/** Start a service through its script (a no-op when it already runs); resolves with its URL. */
async function ensureService(name) {
  const script = path.join(REPO, 'scripts/services', `${name}.sh`);
  await new Promise((resolve, reject) => {
    // Its progress goes to our stderr (stdout is the harness's own channel).
    const child = spawn('bash', [script, 'start'], { cwd: REPO, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/services/${name}.sh start exited ${code}`))));
  });
  return execFileSync('bash', [script, 'url'], { cwd: REPO, encoding: 'utf8' }).trim();
}

/** Arguments of lib/cluster-cleanup.mjs for this run. */
function cleanupArgs(settings) {
  return [
    path.join(LIB, 'cluster-cleanup.mjs'),
    '--database-url', settings.databaseUrl,
    '--schema', settings.schema,
    '--brokers', settings.brokers,
    '--topic', settings.topic,
    '--dir', settings.dir,
  ];
}

/**
 * @param {{fanouts?: number, startTimeoutMs?: number}} options
 * @returns the harness's target handle: `wsUrls` (one per fan-out node), `pids` (the fan-out
 *   nodes, whose memory is measured), `httpUrl` (the api node), setupRooms, mintOwnerToken, stop.
 */
export async function startParleyCluster({ fanouts = 3, startTimeoutMs = 600_000 } = {}) {
  console.error(`parley-cluster: services (PostgreSQL, Kafka), relay, 1 api node, ${fanouts} fan-out nodes...`);
  const databaseUrl = await ensureService('postgres');
  const brokers = await ensureService('kafka');
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-cluster-'));
  const settings = { databaseUrl, brokers, schema: `bench_${id}`, topic: `parley.bench.${id}`, dir };
  const secret = randomBytes(48).toString('base64url');
  // Ctrl-C: bench.mjs SIGKILLs every process group and exits at once; this detached process then
  // drops the run's schema and topic and removes its data dirs.
  const forgetCleanup = atKill(() => spawn(process.execPath, cleanupArgs(settings), { cwd: REPO, detached: true, stdio: 'ignore' }).unref());

  const env = { ...process.env };
  delete env.CLICKHOUSE_URL; // no projector here; api nodes would join the ClickHouse group with it
  Object.assign(env, {
    PARLEY_PROFILE: 'cluster',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PARLEY_JWT_SECRET: secret,
    DATABASE_URL: databaseUrl,
    PARLEY_PG_SCHEMA: settings.schema,
    KAFKA_BROKERS: brokers,
    PARLEY_KAFKA_TOPIC: settings.topic,
    PARLEY_KAFKA_PARTITIONS: '4',
    // Same as the embedded target: all load comes from one host, so the limits would be what is measured.
    PARLEY_INGRESS_PER_IP_PER_10S: '0',
    PARLEY_INGRESS_PER_USER_PER_10S: '0',
    PARLEY_RATE_LIMIT_PER_MINUTE: '100000000',
    PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '100000000',
  });

  const processes = [];
  const startProcess = async (name, role) => {
    const port = await freePort();
    // Fan-out nodes get a loopback inspector: the harness runs a full GC through it before each memory reading.
    const inspectPort = role === 'fanout' ? await freePort() : null;
    const dataDir = path.join(dir, name);
    mkdirSync(dataDir, { recursive: true });
    const inspect = inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [];
    const proc = spawnGroup(process.execPath, clusterNodeArgs(REPO, role, [...inspect, ...profilingFlags()]), {
      cwd: REPO,
      env: { ...env, PORT: String(port), PARLEY_DATA_DIR: dataDir, PARLEY_NODE_ID: `bench-${id}-${name}` },
    });
    const entry = { name, role, port, inspectPort, url: `http://127.0.0.1:${port}`, ...proc };
    processes.push(entry);
    const exited = new Promise((resolve) => proc.child.once('exit', resolve));
    let up = false;
    await Promise.race([
      waitFor(() => httpOk(`${entry.url}/readyz`), startTimeoutMs, `${name} ready on port ${port}`),
      exited.then((code) => {
        if (!up) throw new Error(`${name} exited with code ${code} before it was ready:\n${proc.log().slice(-3000)}`);
      }),
    ]);
    up = true;
    return entry;
  };

  const stopProcesses = () => Promise.all(processes.map((p) => stopGroup(p.child, 10_000)));
  const cleanUp = () =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, cleanupArgs(settings), { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        forgetCleanup();
        resolve();
      });
    });

  let api;
  let nodes;
  try {
    // The relay first: it creates the run's topic, which the others consume.
    await startProcess('relay', 'relay');
    // Then the rest side by side (start-up is mostly tsx compiling); every start settles before a failure is thrown.
    const started = await Promise.allSettled([
      startProcess('api-1', 'api'),
      ...Array.from({ length: fanouts }, (_, i) => startProcess(`fanout-${i + 1}`, 'fanout')),
    ]);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    [api, ...nodes] = started.map((s) => s.value);
  } catch (error) {
    await stopProcesses();
    await cleanUp();
    throw error;
  }

  const setupRooms = async (count) => {
    const roomNames = [];
    const apiKeys = {};
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${api.url}/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench room ${i}`, allowed_providers: ['guest'], max_viewers: 100_000 }),
      });
      if (!res.ok) throw new Error(`POST /rooms (api node) answered ${res.status}: ${await res.text()}`);
      const body = await res.json();
      roomNames.push(body.room);
      apiKeys[body.room] = body.api_key;
    }
    return { roomNames, apiKeys };
  };

  /** An owner identity token signed with the cluster's secret (the admin CLI, as for the embedded target). */
  const mintOwnerToken = (sub = 'bench:owner') =>
    execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'apps/cli/src/main.ts'), 'mint-owner-token', sub], {
      cwd: REPO,
      env: { ...process.env, PARLEY_JWT_SECRET: secret },
      encoding: 'utf8',
    }).trim();

  /** A full GC in every fan-out node (see inspector-gc.mjs), then a moment for the allocator to hand pages back. */
  const settleMemory = async () => {
    await Promise.all(nodes.map((n) => collectGarbage(n.inspectPort)));
    await new Promise((r) => setTimeout(r, 1000));
  };

  /** The V8 heap of each fan-out node, {used, total} (meaningful right after settleMemory). */
  const heapOfNodes = () => Promise.all(nodes.map((n) => heapUsage(n.inspectPort)));

  /**
   * What each fan-out node says about its sockets (its Prometheus realtime series): open now,
   * accepted in all, refused, closed as slow consumers.
   */
  const serverStats = () =>
    Promise.all(
      nodes.map(async (n) => {
        const text = await (await fetch(`${n.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        const value = (name) => {
          const line = text.split('\n').find((l) => l.startsWith(`${name} `));
          return line ? Number(line.split(' ').at(-1)) : null;
        };
        return {
          open: value('parley_realtime_connections'),
          accepted: value('parley_realtime_connections_total_total'),
          refused: value('parley_realtime_refused_total'),
          slowConsumerCloses: value('parley_realtime_slow_consumer_closes_total'),
        };
      }),
    );

  const stop = async () => {
    await stopProcesses();
    await cleanUp();
    rmSync(dir, { recursive: true, force: true });
  };

  const wsUrls = nodes.map((n) => `ws://127.0.0.1:${n.port}`);
  return {
    name: 'parley-cluster',
    label: clusterLabel(fanouts),
    adapter: 'parley',
    httpUrl: api.url,
    wsUrl: wsUrls[0],
    wsUrls,
    pid: nodes[0].child.pid,
    pids: nodes.map((n) => n.child.pid),
    processes: processes.map((p) => ({ name: p.name, role: p.role, port: p.port, inspectPort: p.inspectPort, pid: p.child.pid })),
    setupRooms,
    settleMemory,
    heapUsage: heapOfNodes,
    memoryMethod: 'full GC in each fan-out node (inspector HeapProfiler.collectGarbage) before both readings',
    serverStats,
    mintOwnerToken,
    stop,
    log: () => processes.map((p) => `--- ${p.name}\n${p.log().slice(-2000)}`).join('\n'),
  };
}
