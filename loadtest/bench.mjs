#!/usr/bin/env node
// Benchmark harness: `npm run bench -- --scenario fanout --duration 20 --target all`.
// Installs loadtest/ on demand, starts each target as its own process, drives it from other
// processes, writes JSON to loadtest/results/, a table to docs/benchmarks.md (between
// generated markers) and PNG charts to docs/bench/. See loadtest/scenarios/README.md.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args.mjs';

const LOADTEST = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(LOADTEST);
const FD_LIMIT = 1_048_576;

const HELP = `npm run bench -- [options]
  --scenario fanout|connections|latency|artillery|all   (default fanout)
  --target   parley|bare|socketio|centrifugo|all|a,b   (default: bare,socketio,centrifugo[,parley,parley-thread
                                                        if startable]; smoke: bare,socketio[,parley,parley-thread])
             parley-cluster: the cluster profile (its services, relay, one api node, fan-out
                                                        nodes: 2 for fanout, ≥ 3 for connections; not latency)
             parley-thread: the embedded server with PARLEY_REALTIME_PORT, viewers on that port
                                                        (its network thread holds and sends to them)
  --duration <s>        measured seconds per run (default 20)
  --warmup <s>          seconds of load before measuring (default 3)
  --shapes 1x10000,100x100   fan-out shapes: rooms x subscribers per room
  --rounds <n>          fan-out: run every target n times, alternating (default 1); each ratio to bare
                        uWS is taken in its own round, and the report adds medians and ranges
  --procs <n>           frame-counter processes (default 2)
  --client native|node  fanout: the frame counter for bare uWS and Parley: native (default) is the C counter
                        (clients/native/, built with cc on first use; Node workers if it cannot be),
                        node the Node workers (the only one for Socket.IO and Centrifugo)
  --publisher auto|http|self   auto (default): bare uWS in-process, others via their HTTP API;
                        self: bare and socketio publish in-process; http: all via HTTP
  --fanouts <n>         parley-cluster in the fanout scenario: its fan-out nodes (default 2)
  --rate <msgs/s>       fanout: publish at this fixed rate instead of as fast as the target takes it, to
                        compare servers' CPU per delivery at equal load (docs/ are not touched)
  --batch <n> --concurrency <n>   HTTP publisher: msgs/request (≤ 20,000 deliveries: 20 for 100 subscribers/room,
                        2 for 10,000), in flight (1; centrifugo 4, parley 32)
  --connections <n>     connection-scale count (default 50000)
  --rates 500,1000,2000,4000     latency scenario: publish rates (msgs/s)
  --smoke               10-second run of every scenario; checks error rates only; exit 1 on errors
  --require-parley      smoke: fail (instead of skip) when Parley cannot be started
  --no-docs             do not touch docs/
  --report <file.json>  only re-render docs/benchmarks.md and docs/bench/*.png from a saved result
`;

// ------------------------------------------------------------------ bootstrap

function ensureFdLimit() {
  // Node cannot raise RLIMIT_NOFILE itself: re-run under a shell that does, once.
  if (process.env.PARLEY_BENCH_FDS) return false;
  const script = `ulimit -Hn ${FD_LIMIT} 2>/dev/null; ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  const child = spawn('bash', ['-c', script, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, PARLEY_BENCH_FDS: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

function ensureInstalled() {
  const needed = ['artillery', 'autocannon', 'socket.io', 'socket.io-client', 'ws', '@trufflesuite/uws-js-unofficial'];
  const missing = needed.filter((name) => !existsSync(path.join(LOADTEST, 'node_modules', name, 'package.json')));
  if (missing.length === 0) return;
  console.error(`bench: installing loadtest dependencies (missing: ${missing.join(', ')})...`);
  const result = spawnSync('npm', ['install', '--prefix', LOADTEST, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', ARTILLERY_DISABLE_TELEMETRY: 'true' },
  });
  if (result.status !== 0) throw new Error('npm install --prefix loadtest failed');
}

// ------------------------------------------------------------------ main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return void console.log(HELP);
  if (args.report) {
    // Re-render docs/benchmarks.md and charts from a saved result, without running anything.
    const { writeReport } = await import('./lib/report.mjs');
    const { readFileSync } = await import('node:fs');
    return writeReport(JSON.parse(readFileSync(String(args.report), 'utf8')), { repo: REPO });
  }
  if (ensureFdLimit()) return;
  ensureInstalled();
  process.env.ARTILLERY_DISABLE_TELEMETRY = 'true';

  const { runFanout, runConnections, runLatency } = await import('./lib/scenarios.mjs');
  const { runArtillerySuite } = await import('./lib/artillery.mjs');
  const { killAllTargets, parleyAvailable, isEmbeddedParley } = await import('./lib/targets.mjs');
  const { writeReport } = await import('./lib/report.mjs');
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      killAllTargets();
      process.exit(130);
    });
  }

  const smoke = Boolean(args.smoke);
  const parleyHere = parleyAvailable();
  const targets = chooseTargets(args.target, parleyHere, smoke);
  const scenarioArg = String(args.scenario ?? (smoke ? 'all' : 'fanout'));
  const scenarios = scenarioArg === 'all' ? ['fanout', 'connections', 'latency', 'artillery'] : scenarioArg.split(',');
  const machine = describeMachine();
  const common = {
    duration: smoke ? 10 : Number(args.duration ?? 20),
    warmup: smoke ? 1 : Number(args.warmup ?? 3),
    procs: Number(args.procs ?? 2),
    client: args.client === 'node' ? 'node' : 'native',
    publisher: String(args.publisher ?? 'auto'),
    batch: args.batch ? Number(args.batch) : undefined,
    rate: args.rate === undefined ? undefined : positiveInteger(args.rate, '--rate'),
    concurrency: args.concurrency ? Number(args.concurrency) : undefined,
    fanouts: args.fanouts ? Number(args.fanouts) : undefined,
    smoke,
  };

  const outcomes = [];
  for (const scenario of scenarios) {
    console.error(`\n=== ${scenario} on ${targets.join(', ')}${smoke ? ' (smoke)' : ''}`);
    let result;
    if (scenario === 'fanout') {
      const shapes = smoke ? '1x200,10x20' : String(args.shapes ?? '1x10000,100x100');
      result = await runFanout({ ...common, targets, shapes: parseShapes(shapes), rounds: positiveInteger(args.rounds ?? 1, '--rounds') });
    } else if (scenario === 'connections') {
      const connTargets = args.target ? targets : ['bare'];
      result = await runConnections({
        ...common,
        targets: connTargets,
        connections: smoke ? 1000 : Number(args.connections ?? 50_000),
      });
    } else if (scenario === 'latency') {
      const latencyTargets = targets.filter((t) => t === 'bare' || isEmbeddedParley(t));
      const rates = smoke ? [100] : String(args.rates ?? '500,1000,2000,4000').split(',').map(Number);
      result = await runLatency({ ...common, targets: latencyTargets, rates });
    } else if (scenario === 'artillery') {
      result = await runArtillerySuite({ smoke, duration: common.duration, parleyHere, requireParley: Boolean(args['require-parley']) });
    } else {
      throw new Error(`unknown scenario ${scenario}\n${HELP}`);
    }
    result = { scenario, smoke, date: new Date().toISOString(), machine, command: commandLine(), ...result };
    const file = saveResult(result);
    console.error(`bench: wrote ${path.relative(REPO, file)}`);
    // A fixed-rate run measures CPU at equal load, not ceilings: the ceiling tables stay as they are.
    if (!smoke && !args['no-docs'] && common.rate === undefined) writeReport(result, { repo: REPO });
    outcomes.push(result);
  }

  if (smoke) {
    const problems = outcomes.flatMap((r) => (r.errors ?? []).map((e) => `${r.scenario}: ${e}`));
    if (smoke && !parleyHere && args['require-parley']) problems.push('parley: cannot be started here');
    for (const r of outcomes) for (const s of r.skipped ?? []) console.error(`smoke: skipped ${r.scenario}: ${s}`);
    if (problems.length > 0) {
      console.error(`\nsmoke: FAILED\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.error('\nsmoke: all scenarios ran without errors');
  }
}

function chooseTargets(arg, parleyHere, smoke) {
  // Smoke leaves Centrifugo out unless asked for: its first build takes minutes.
  const all = ['bare', 'socketio', ...(smoke ? [] : ['centrifugo']), ...(parleyHere ? ['parley', 'parley-thread'] : [])];
  if (!arg || arg === true) return all;
  if (arg === 'all') return ['bare', 'socketio', 'centrifugo', 'parley', 'parley-thread'];
  return String(arg).split(',');
}

function positiveInteger(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a positive integer, got ${value}`);
  return n;
}

function parseShapes(text) {
  return text.split(',').map((s) => {
    const [rooms, perRoom] = s.toLowerCase().split('x').map(Number);
    if (!(rooms > 0 && perRoom > 0)) throw new Error(`bad shape ${s} (want ROOMSxSUBSCRIBERS)`);
    return { rooms, perRoom };
  });
}

function describeMachine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function commandLine() {
  return `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
}

function saveResult(result) {
  const dir = path.join(LOADTEST, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.date.replace(/[:.]/g, '-');
  const file = path.join(dir, `${result.scenario}${result.smoke ? '-smoke' : ''}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  return file;
}

main().catch(async (error) => {
  console.error(error?.stack ?? error);
  try {
    (await import('./lib/targets.mjs')).killAllTargets();
  } catch {
    /* nothing started */
  }
  process.exit(1);
});

