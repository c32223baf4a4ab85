import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { clusterShapeArgs, numberArg } from './bench-stats.js';
import { createRoom, repoRoot, startTestCluster } from './cluster-harness.js';

/*
 * The cluster's durable ingress ceiling with one message per request, as the reference sends them,
 * measured by wrk (one light C client per api node) instead of a Node load generator, which tops
 * out first at one message per request. Each api node gets a room of its own and a wrk process of
 * its own; the ingress limits are off (all load comes from one address and one user id; the
 * limits would be what is measured). `--warmup` seconds of the same load first, not counted.
 *
 *   node --import tsx apps/api/src/faults/cluster-wrk.ts [--seconds 15] [--connections 128] [--warmup 20] [--apis 2] [--fanouts 2]
 */

const seconds = numberArg('seconds', 15);
const connections = numberArg('connections', 128);
const warmupSeconds = numberArg('warmup', 20);

Object.assign(process.env, { PARLEY_INGRESS_PER_IP_PER_10S: '0', PARLEY_INGRESS_PER_USER_PER_10S: '0', PARLEY_RATE_LIMIT_PER_MINUTE: '100000000' });
const wrk = execFileSync('bash', [join(repoRoot, 'loadtest/tools/ensure-wrk.sh')], { encoding: 'utf8' }).trim();
const script = join(repoRoot, 'loadtest/scenarios/wrk-ingress.lua');

interface WrkResult {
  requestsPerSecond: number;
  non2xx: number;
  p50: string;
  p99: string;
}

function runWrk(url: string, apiKey: string, runSeconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, ['-t1', `-c${connections}`, `-d${runSeconds}s`, '--latency', '-s', script, url], { env: { ...process.env, PARLEY_API_KEY: apiKey }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}`));
      resolve({
        requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
        p50: /^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? '?',
        p99: /^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? '?',
      });
    });
  });
}

const cluster = await startTestCluster({ ...clusterShapeArgs(), projector: true });
try {
  const owner = await cluster.identity('discord:wrk');
  const targets = [];
  for (const api of cluster.apis) {
    const room = await createRoom(api.url, owner, `wrk ${api.name}`);
    targets.push({ url: `${api.url}/rooms/${room.room}/ingress`, apiKey: room.apiKey });
  }
  if (warmupSeconds > 0) await Promise.all(targets.map((t) => runWrk(t.url, t.apiKey, warmupSeconds)));
  const results = await Promise.all(targets.map((t) => runWrk(t.url, t.apiKey, seconds)));
  const total = results.reduce((sum, r) => sum + r.requestsPerSecond, 0);
  console.log(JSON.stringify({ date: new Date().toISOString(), seconds, connectionsPerNode: connections, warmupSeconds, perNode: results, acceptedPerSecond: Math.round(total), non2xx: results.reduce((n, r) => n + r.non2xx, 0) }, null, 2));
} finally {
  await cluster.stop();
}
