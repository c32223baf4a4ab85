#!/usr/bin/env node
// End-to-end latency against Parley: creates a room (guest viewers allowed), connects the
// latency receiver (clients/latency-receiver.mjs, 4 guest sockets), runs e2e-latency.yml
// (ingress at --rate msgs/s with meta.sentAt) and reports percentiles of now − meta.sentAt.
//
//   node loadtest/scenarios/e2e-latency.mjs --target http://127.0.0.1:8080 [--rate 4000]
//        [--duration 30] [--p50 5] [--p99 25] [--no-latency-thresholds]
// Exits 1 if Artillery fails (non-202 answers), nothing arrives, or (unless
// --no-latency-thresholds) p50/p99 exceed the thresholds. Last stdout line is a JSON summary.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { startLatencyReceiver, summarize } from '../clients/latency-receiver.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const target = String(args.target ?? 'http://127.0.0.1:8080');
const wsTarget = target.replace(/^http/, 'ws');
const rate = Number(args.rate ?? 4000);
const duration = Number(args.duration ?? 30);
const p50Max = Number(args.p50 ?? 5);
const p99Max = Number(args.p99 ?? 25);

const res = await fetch(`${target}/rooms`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'e2e latency', allowed_providers: ['guest'], max_viewers: 1000 }),
});
if (!res.ok) {
  console.error(`POST /rooms answered ${res.status}: ${await res.text()}`);
  process.exit(1);
}
const { room, api_key: apiKey } = await res.json();
const receiver = await startLatencyReceiver({ target: 'parley', url: wsTarget, rooms: [room], perRoom: 4 });

const artillery = spawn(
  process.execPath,
  [
    path.join(HERE, '..', 'node_modules', 'artillery', 'bin', 'run'),
    'run',
    path.join(HERE, 'e2e-latency.yml'),
    '--target',
    target,
    '--overrides',
    JSON.stringify({ config: { phases: [{ duration, arrivalRate: rate }] } }),
  ],
  { env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', PARLEY_ROOM: room, PARLEY_API_KEY: apiKey }, stdio: ['ignore', 'inherit', 'inherit'] },
);
const code = await new Promise((resolve) => artillery.on('exit', resolve));
await new Promise((r) => setTimeout(r, 500));
receiver.close();
const stats = summarize(receiver.samples);
const problems = [];
if (code !== 0) problems.push(`artillery exited ${code}`);
if (stats.count === 0) problems.push('no frame received');
if (!args['no-latency-thresholds']) {
  if (stats.p50 > p50Max) problems.push(`p50 ${stats.p50} ms > ${p50Max} ms`);
  if (stats.p99 > p99Max) problems.push(`p99 ${stats.p99} ms > ${p99Max} ms`);
}
for (const p of problems) console.error(`e2e-latency: ${p}`);
console.log(JSON.stringify({ rate, duration, sent: rate * duration, ...stats, ok: problems.length === 0 }));
process.exit(problems.length === 0 ? 0 : 1);
