#!/usr/bin/env node
// End-to-end latency receiver: a few WebSocket subscribers that parse every chat frame and
// record now − meta.sentAt (the publisher put its send time in meta). Latency needs the
// payload, so this is a parsing client; keep it to a handful of sockets so it stays light.
//
//   node clients/latency-receiver.mjs --target bare|parley --url ws://127.0.0.1:9101
//        --rooms room-0000000,room-0000001 [--per-room 2] [--seconds 20]
// Prints {"event":"ready"} once subscribed, then a final
// {"event":"latency", count, p50, p90, p99, max} (milliseconds) after --seconds, or when it
// gets SIGTERM/SIGINT. Also usable as a module: startLatencyReceiver(options).

import WebSocket from 'ws';
import { parseArgs } from '../lib/args.mjs';
import { peerRoomName } from '../lib/chat-frame.mjs';
import { fileURLToPath } from 'node:url';

/** The p-th percentile (0..100) of ascending `sorted` (nearest rank). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

function pathFor(target, room, index) {
  const r = encodeURIComponent(room);
  if (target === 'parley') return `/ws?room=${r}&guest=1&name=${encodeURIComponent(`latency${index}`)}`;
  return `/ws?room=${r}`;
}

/** Opens the sockets; resolves once all are open with { samples, reset(), close() }. */
export async function startLatencyReceiver({ target, url, rooms, perRoom = 2 }) {
  const samples = [];
  const sockets = [];
  let index = 0;
  await Promise.all(
    rooms.flatMap((room) =>
      Array.from({ length: perRoom }, () => {
        const ws = new WebSocket(url + pathFor(target, room, index++), { perMessageDeflate: false });
        sockets.push(ws);
        ws.on('message', (data) => {
          const now = Date.now();
          const frame = JSON.parse(data.toString());
          const sentAt = frame?.meta?.sentAt;
          if (frame.t === 'msg' && typeof sentAt === 'number' && sentAt > 0) samples.push(now - sentAt);
        });
        return new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
      }),
    ),
  );
  return {
    samples,
    reset: () => (samples.length = 0),
    close: () => sockets.forEach((ws) => ws.terminate()),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const receiver = await startLatencyReceiver({
    target: String(args.target ?? 'bare'),
    url: String(args.url ?? 'ws://127.0.0.1:9101'),
    rooms: String(args.rooms ?? peerRoomName(0)).split(','),
    perRoom: Number(args['per-room'] ?? 2),
  });
  console.log(JSON.stringify({ event: 'ready' }));
  const finish = () => {
    console.log(JSON.stringify({ event: 'latency', ...summarize(receiver.samples) }));
    receiver.close();
    process.exit(0);
  };
  setTimeout(finish, Number(args.seconds ?? 20) * 1000);
  process.on('SIGTERM', finish);
  process.on('SIGINT', finish);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
