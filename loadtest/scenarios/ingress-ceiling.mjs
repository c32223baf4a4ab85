#!/usr/bin/env node
// Durable-ingress ceiling with autocannon: as many `POST /rooms/:room/ingress` (Bearer API
// key) as the server answers, from `--connections` keep-alive connections for `--duration` s.
// Each request gets a fresh payload.userId ([<id>] replacement) so the per-user limit never
// applies; the per-IP limit does unless the server relaxes it.
//
//   node loadtest/scenarios/ingress-ceiling.mjs --target http://127.0.0.1:8080
//        [--connections 64] [--duration 20] [--room R --api-key K] [--min-rate 8000]
// Prints a JSON summary {requestsPerSecond, accepted (202/s), statusCodes, latency ms}; exits 1
// if any answer is not 202 or (with --min-rate) fewer than that many 202/s were accepted.

import autocannon from 'autocannon';
import { parseArgs } from '../lib/args.mjs';

const args = parseArgs(process.argv.slice(2));
const target = String(args.target ?? 'http://127.0.0.1:8080');
const connections = Number(args.connections ?? 64);
const duration = Number(args.duration ?? 20);

let room = args.room ? String(args.room) : null;
let apiKey = args['api-key'] ? String(args['api-key']) : null;
if (!room || !apiKey) {
  const res = await fetch(`${target}/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ingress ceiling', allowed_providers: ['guest'], max_viewers: 1000 }),
  });
  if (!res.ok) throw new Error(`POST /rooms answered ${res.status}: ${await res.text()}`);
  ({ room, api_key: apiKey } = await res.json());
}

const result = await autocannon({
  url: `${target}/rooms/${encodeURIComponent(room)}/ingress`,
  method: 'POST',
  connections,
  duration,
  idReplacement: true,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
  body: JSON.stringify({ type: 'chat', payload: { text: 'autocannon ingress', userId: 'load-[<id>]' }, meta: { bench: 'ingress-ceiling' } }),
});

const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)]));
const accepted = (statusCodes['202'] ?? 0) / result.duration;
const summary = {
  target,
  room,
  connections,
  duration: result.duration,
  requestsPerSecond: Math.round(result.requests.average),
  acceptedPerSecond: Math.round(accepted),
  statusCodes,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
};
console.log(JSON.stringify(summary));
const bad = result.non2xx > 0 || result.errors > 0 || (statusCodes['202'] ?? 0) !== Object.values(statusCodes).reduce((a, b) => a + b, 0);
const slow = args['min-rate'] !== undefined && accepted < Number(args['min-rate']);
process.exit(bad || slow ? 1 : 0);
