// Starting and stopping the servers under test as separate processes, plus what the harness
// needs to know about each: URLs, the adapter the frame counter uses, the pid whose CPU and
// memory are measured, and how to create rooms.

import { execFileSync } from 'node:child_process';
import { freePort, killGroup, spawnGroup, waitFor, httpOk } from './processes.mjs';
import { startParleyCluster } from './parley-cluster.mjs';
import { peerRoomName } from './chat-frame.mjs';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LOADTEST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO = path.dirname(LOADTEST);

export const TARGET_LABELS = {
  parley: 'Parley (embedded)',
  'parley-thread': 'Parley (embedded, /ws on its network thread)',
  bare: 'bare uWS',
  socketio: 'Socket.IO',
  centrifugo: 'Centrifugo',
  'parley-cluster': 'Parley (cluster)',
};

export { killAllTargets } from './processes.mjs';

/** The embedded Parley, viewers on its own port (`parley`) or on PARLEY_REALTIME_PORT (`parley-thread`). */
export const isEmbeddedParley = (name) => name === 'parley' || name === 'parley-thread';

/** True when the Parley server can be started here (`npm start` has something to run). */
export function parleyAvailable() {
  try {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const start = pkg.scripts?.start ?? '';
    const script = start.match(/node\s+(\S+\.m?[jt]s)/)?.[1];
    return Boolean(start) && (!script || existsSync(path.join(REPO, script)));
  } catch {
    return false;
  }
}

/** The pids of the processes listening on TCP `port` (via /proc/net/tcp socket inodes). */
export function pidsListeningOn(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  const pids = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = link.match(/^socket:\[(\d+)\]$/)?.[1];
        if (inode && inodes.has(inode)) {
          pids.push(Number(pid));
          break;
        }
      }
    } catch {
      /* process gone or not ours */
    }
  }
  return pids;
}

/** Resident memory of `pid` in bytes (VmRSS from /proc/<pid>/status). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1] ?? NaN);
  return kib * 1024;
}

/** Anonymous resident memory of `pid` in bytes (RssAnon: VmRSS without mapped files such as the node binary). */
export function rssAnonOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^RssAnon:\s+(\d+)\s+kB/m)?.[1] ?? NaN) * 1024;
}

/**
 * Start `name` on `port` (default: a free one, so two benchmark or test runs can share the
 * machine). Resolves when it answers; returns the handle the harness uses.
 * @returns {Promise<{name: string, label: string, adapter: string, httpUrl: string, wsUrl: string,
 *   pid: number, setupRooms: (count: number, perRoom: number) => Promise<{roomNames: string[],
 *   apiKeys: Record<string,string>}>, stop: () => Promise<void>, log: () => string}>}
 */
export async function startTarget(name, { port: givenPort, startTimeoutMs = 600_000, processes = 1 } = {}) {
  // The cluster profile: services, relay, one api node and `processes` fan-out nodes (see parley-cluster.mjs).
  if (name === 'parley-cluster') return startParleyCluster({ fanouts: processes, startTimeoutMs });
  if (processes > 1 && name !== 'bare') throw new Error(`${name}: only the bare uWS peer and the Parley cluster run as several processes`);
  const port = givenPort ?? (await freePort());
  // uSockets listens with SO_REUSEPORT: a second server on a taken port would silently share its
  // connections with whatever holds it (a leftover run), and the figures would mix both.
  const holders = pidsListeningOn(port);
  if (holders.length > 0) throw new Error(`port ${port} is already in use (pid ${holders.join(', ')}): stop that process or pass another port`);
  const extra = [];
  const httpUrl = `http://127.0.0.1:${port}`;
  // parley-thread: viewers connect to the port of the server's network thread.
  const realtimePort = name === 'parley-thread' ? await freePort() : null;
  const wsUrl = `ws://127.0.0.1:${realtimePort ?? port}`;
  let proc;
  let dataDir = null;
  let ready;
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1' };

  switch (name) {
    case 'bare':
      // Several processes share the port (uSockets listens with SO_REUSEPORT): the way past the
      // per-process descriptor limit for connection scale.
      proc = spawnGroup(process.execPath, [path.join(LOADTEST, 'peers/bare-uws.mjs'), '--port', String(port)], { env });
      for (let i = 1; i < processes; i++) {
        extra.push(spawnGroup(process.execPath, [path.join(LOADTEST, 'peers/bare-uws.mjs'), '--port', String(port)], { env }));
      }
      ready = () => httpOk(`${httpUrl}/healthz`);
      break;
    case 'socketio':
      proc = spawnGroup(process.execPath, [path.join(LOADTEST, 'peers/socketio-server.mjs'), '--port', String(port)], {
        env,
      });
      ready = () => httpOk(`${httpUrl}/healthz`);
      break;
    case 'centrifugo':
      proc = spawnGroup('bash', [path.join(LOADTEST, 'peers/centrifugo.sh'), '--port', String(port)], { env });
      ready = () =>
        httpOk(`${httpUrl}/api/info`, {
          method: 'POST',
          headers: { 'x-api-key': env.CENTRIFUGO_API_KEY ?? 'parley-loadtest-api-key' },
          body: '{}',
        });
      break;
    case 'parley':
    case 'parley-thread':
      dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
      // Load from one machine comes from a handful of addresses: the reference's per-IP and per-user
      // ingress limits (60 and 20 per 10 s) would be what is measured, so the bench raises them (said in every report).
      proc = spawnGroup('npm', ['start'], {
        cwd: REPO,
        env: {
          PARLEY_INGRESS_PER_IP_PER_10S: '0',
          PARLEY_INGRESS_PER_USER_PER_10S: '0',
          PARLEY_RATE_LIMIT_PER_MINUTE: '100000000',
          PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '100000000',
          LOG_LEVEL: 'warn',
          ...env,
          PARLEY_DATA_DIR: dataDir,
          ...(realtimePort === null ? {} : { PARLEY_REALTIME_PORT: String(realtimePort) }),
        },
      });
      ready = () => httpOk(`${httpUrl}/healthz`);
      break;
    default:
      throw new Error(`unknown target ${name}`);
  }

  const exited = new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
  let started = false;
  try {
    await Promise.race([
      waitFor(ready, startTimeoutMs, `${name} on port ${port}`),
      exited.then((code) => {
        if (!started) throw new Error(`${name} exited with code ${code} before answering:\n${proc.log().slice(-3000)}`);
      }),
    ]);
  } catch (error) {
    killGroup(proc.child, 'SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  started = true;
  if (extra.length > 0) await waitFor(() => pidsListeningOn(port).length === processes, 30_000, `${processes} processes on ${port}`);
  const pids = extra.length > 0 ? pidsListeningOn(port) : [pidsListeningOn(port)[0] ?? proc.child.pid];
  const pid = pids[0];

  const setupRooms = async (count) => {
    const roomNames = Array.from({ length: count }, (_, i) => peerRoomName(i));
    if (!isEmbeddedParley(name)) return { roomNames, apiKeys: {} };
    const apiKeys = {};
    const created = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${httpUrl}/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench room ${i}`, allowed_providers: ['guest'], max_viewers: 100_000 }),
      });
      if (!res.ok) throw new Error(`POST /rooms answered ${res.status}: ${await res.text()}`);
      const body = await res.json();
      created.push(body.room);
      apiKeys[body.room] = body.api_key;
    }
    return { roomNames: created, apiKeys };
  };

  const stop = async () => {
    for (const other of extra) killGroup(other.child, 'SIGTERM');
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      killGroup(proc.child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(proc.child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  /** Parley only: an owner identity token from the admin CLI, which shares the server's data dir. */
  const mintOwnerToken = (sub = 'bench:owner') => {
    if (!isEmbeddedParley(name)) throw new Error('mintOwnerToken: Parley only');
    return execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'apps/cli/src/main.ts'), 'mint-owner-token', sub], {
      cwd: REPO,
      env: { ...process.env, PARLEY_DATA_DIR: dataDir },
      encoding: 'utf8',
    }).trim();
  };
  const wsUrls = [wsUrl];
  return { name, label: TARGET_LABELS[name], adapter: isEmbeddedParley(name) ? 'parley' : name, httpUrl, wsUrl, wsUrls, pid, pids, setupRooms, mintOwnerToken, stop, log: proc.log };
}
