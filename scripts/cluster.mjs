#!/usr/bin/env node
// `npm run cluster`: the cluster profile on loopback. Starts PostgreSQL, Kafka and ClickHouse
// (scripts/services), then the relay, 2 api nodes, 2 fan-out nodes (`--apis N`, `--fanouts N`: 1 to 9
// each, see cluster-shape.mjs) and the ClickHouse projector,
// each with its own PARLEY_DATA_DIR under .services/cluster/ and one shared PARLEY_JWT_SECRET
// (generated once into .services/cluster/jwt-secret). A node that exits by itself is started again
// (the cluster stops instead when one exits a sixth time within a minute). Ctrl-C (or SIGTERM) stops
// every process it started and then the services; `--keep-services` leaves the services running.
// `--stop-services`, the old opt-in, is accepted and changes nothing.
//
//   npm run cluster [-- --keep-services] [--apis 2] [--fanouts 2]
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterNodeArgs, profilingFlags } from './cluster-node.mjs';
import { clusterProcesses, clusterShapeArg } from './cluster-shape.mjs';
import { restartDecision } from './restart-policy.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const clusterDir = join(root, '.services', 'cluster');
const keepServices = process.argv.includes('--keep-services');
const host = '127.0.0.1';
let processes;
try {
  processes = clusterProcesses(clusterShapeArg(process.argv));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

await import('./ensure-installed.mjs');

const serviceUrl = (name) => execFileSync('bash', [join(root, 'scripts/services', `${name}.sh`), 'url'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const services = { DATABASE_URL: serviceUrl('postgres'), KAFKA_BROKERS: serviceUrl('kafka'), CLICKHOUSE_URL: serviceUrl('clickhouse') };

mkdirSync(clusterDir, { recursive: true });
const secretFile = join(clusterDir, 'jwt-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
const secret = readFileSync(secretFile, 'utf8').trim();

/**
 * Runs `scripts/services/all.sh <command>` without blocking, so Ctrl-C is handled while services
 * start. Own process group: a second Ctrl-C in the terminal cannot interrupt a start or stop halfway.
 */
function runAllServices(command) {
  const child = spawn('bash', [join(root, 'scripts/services/all.sh'), command], { cwd: root, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return { child, exited };
}

const children = new Map();
/** When each node exited by itself, within the last minute (restart-policy.mjs). */
const exits = new Map();
let stopping = false;
let servicesStart; // the `all.sh start` run

function start(p) {
  const dataDir = join(clusterDir, p.name);
  mkdirSync(dataDir, { recursive: true });
  const log = createWriteStream(join(dataDir, 'process.log'), { flags: 'a' });
  const env = {
    ...process.env,
    ...services,
    PARLEY_PROFILE: 'cluster',
    HOST: host,
    PORT: String(p.port),
    PARLEY_DATA_DIR: dataDir,
    PARLEY_NODE_ID: p.name,
    PARLEY_JWT_SECRET: secret,
  };
  if (p.role === 'relay') delete env.CLICKHOUSE_URL;
  // Fan-out nodes only record their viewer counts there (admin viewer stats).
  // Each fan-out node asks the others for their viewers (max_viewers and presence count the whole room).
  if (p.role === 'fanout') {
    env.PARLEY_CLICKHOUSE_ROLE = 'query';
    env.PARLEY_FANOUT_PEERS = processes.filter((q) => q.role === 'fanout' && q !== p).map((q) => `http://${host}:${q.port}`).join(',');
  }
  // Api nodes read the admin analytics; the projector app alone writes them.
  if (p.role === 'api') {
    env.PARLEY_CLICKHOUSE_ROLE = 'query';
    env.PARLEY_FANOUT_URLS = processes.filter((q) => q.role === 'fanout').map((q) => `http://${host}:${q.port}`).join(',');
  }
  // Own process group: Ctrl-C reaches only this script, which stops the children one signal each.
  const child = spawn(process.execPath, clusterNodeArgs(root, p.role, profilingFlags()), { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.set(p.name, child);
  child.on('exit', (code, signal) => {
    children.delete(p.name);
    if (stopping) return;
    // A node exits by itself when a part of it stopped for good (its log says which): a new
    // process resumes from its checkpoints. A node that keeps exiting stops the cluster.
    const log = relative(root, join(dataDir, 'process.log'));
    const { restart, recent } = restartDecision(exits.get(p.name) ?? [], Date.now());
    exits.set(p.name, recent);
    if (!restart) {
      console.error(`${p.name} exited (${signal ?? code}) ${recent.length} times within a minute; see ${log}. Stopping the cluster.`);
      void stop(1);
      return;
    }
    console.error(`${p.name} exited (${signal ?? code}); see ${log}. Starting it again.`);
    setTimeout(() => {
      if (!stopping) start(p);
    }, 1000);
  });
  return child;
}

async function ready(p, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (stopping) return;
    try {
      const res = await fetch(`http://${host}:${p.port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name} not ready on port ${p.port} after ${timeoutMs / 1000} s (see .services/cluster/${p.name}/process.log)`);
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function stopServices() {
  // An unfinished `all.sh start` must not go on to the next service once they are stopped. Ending
  // the bash script alone lets the service script it runs finish under its lock, which stop awaits.
  if (servicesStart) {
    servicesStart.child.kill('SIGTERM');
    await servicesStart.exited;
  }
  await runAllServices('stop').exited;
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the cluster…');
  await Promise.all([...children.values()].map(stopChild));
  if (keepServices) console.log('services keep running (--keep-services); stop them with `bash scripts/services/all.sh stop`');
  else await stopServices();
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// Last resort (this script crashed): no child outlives it.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

async function startServices() {
  console.log('starting services (PostgreSQL, Kafka, ClickHouse)…');
  servicesStart = runAllServices('start');
  if ((await servicesStart.exited) !== 0 && !stopping) throw new Error('the services did not start (see the output above)');
}

try {
  await startServices();
  for (const p of processes) {
    if (stopping) break;
    start(p);
    await ready(p);
  }
} catch (error) {
  console.error(String(error));
  await stop(1);
}
if (!stopping) {
  console.log('\nParley cluster profile is up (logs: .services/cluster/<name>/process.log):');
  for (const p of processes) console.log(`  ${p.name.padEnd(10)} http://${host}:${p.port}  ${p.what}`);
  console.log(`  services   ${services.DATABASE_URL}  kafka ${services.KAFKA_BROKERS}  ${services.CLICKHOUSE_URL}`);
  console.log(keepServices ? 'Ctrl-C stops them all but the services (--keep-services).' : 'Ctrl-C stops them all, services included.');
}
