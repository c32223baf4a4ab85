#!/usr/bin/env node
// HTTP publisher for fan-out runs, in its own process. Sends the same chat frame to every
// target through that target's own publish API:
//   bare, socketio  POST /publish/:room?count=B            (B frames per request)
//   centrifugo      POST /api/batch  {commands:[{publish}]} (B publishes per request, X-API-Key)
//   parley          POST /rooms/:room/ingress               (B = 1, Bearer key)
//                   POST /rooms/:room/ingress/batch {messages} (B messages per request, one durable append)
//
//   node clients/publisher.mjs --target bare --url http://127.0.0.1:9101 [--rooms 1]
//        [--prefix room-] [--rate max|<msgs/s>] [--batch 20] [--concurrency 4] [--seconds 20]
//        [--api-keys-file keys.json (parley: {room: apiKey})] [--api-key KEY (centrifugo)]
//        [--latency (one frame per request, send time in meta)]
// Prints one JSON line at the end: {published, requests, errors, statuses, seconds}.
// 503/429 answers are backpressure, not errors: the lane waits 2 ms and goes on.

import { readFileSync } from 'node:fs';
import { chatFrame, ingressBody, ingressMessage, peerRoomName } from '../lib/chat-frame.mjs';
import { parseArgs } from '../lib/args.mjs';
import { RawHttpPool } from './raw-http.mjs';

const args = parseArgs(process.argv.slice(2));
const target = String(args.target ?? 'bare');
const base = new URL(String(args.url ?? 'http://127.0.0.1:9101'));
const roomCount = Number(args.rooms ?? 1);
const prefix = String(args.prefix ?? 'room-');
const rooms = args['room-names']
  ? String(args['room-names']).split(',')
  : Array.from({ length: roomCount }, (_, i) => peerRoomName(i, prefix));
const rate = args.rate === undefined || args.rate === 'max' ? 'max' : Number(args.rate);
// --latency: one frame per request with the send time in meta (bare/socketio get the frame
// itself as the body), so a receiver can measure publish → delivery.
const latency = Boolean(args.latency);
const batch = latency ? 1 : Math.max(1, Number(args.batch ?? 20));
const concurrency = Math.max(1, Number(args.concurrency ?? 4));
const seconds = Number(args.seconds ?? 20);
const apiKeys = args['api-keys-file'] ? JSON.parse(readFileSync(String(args['api-keys-file']), 'utf8')) : {};
const centrifugoKey = String(args['api-key'] ?? process.env.CENTRIFUGO_API_KEY ?? 'parley-loadtest-api-key');

const pool = new RawHttpPool({ host: base.hostname, port: base.port, size: concurrency });
let seq = 0;
let published = 0;
let requests = 0;
let errors = 0;
const statuses = {};

/** Method, path, headers and body of one publish request carrying `batch` frames to `room`. */
function requestFor(room) {
  const sentAt = Date.now();
  switch (target) {
    case 'bare':
    case 'socketio':
      return {
        path: `/publish/${encodeURIComponent(room)}?count=${batch}`,
        headers: {},
        body: latency ? JSON.stringify(chatFrame(room, ++seq, sentAt)) : '',
      };
    case 'centrifugo': {
      const commands = [];
      for (let i = 0; i < batch; i++) commands.push({ publish: { channel: room, data: chatFrame(room, ++seq, sentAt) } });
      return {
        path: '/api/batch',
        headers: { 'x-api-key': centrifugoKey, 'content-type': 'application/json' },
        body: JSON.stringify({ commands }),
      };
    }
    case 'parley': {
      const headers = { authorization: `Bearer ${apiKeys[room] ?? ''}`, 'content-type': 'application/json' };
      if (batch === 1) return { path: `/rooms/${encodeURIComponent(room)}/ingress`, headers, body: ingressBody(++seq, sentAt) };
      const messages = [];
      for (let i = 0; i < batch; i++) messages.push(ingressMessage(++seq, sentAt));
      return { path: `/rooms/${encodeURIComponent(room)}/ingress/batch`, headers, body: JSON.stringify({ messages }) };
    }
    default:
      throw new Error(`unknown target ${target}`);
  }
}

async function send(room) {
  const { path, headers, body } = requestFor(room);
  const { status, error } = await pool.request('POST', path, headers, body);
  if (error) {
    errors++;
    const key = `network ${error}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
    return;
  }
  requests++;
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (status >= 200 && status < 300) published += batch;
  else if (status === 503 || status === 429) {
    // The target says its subscribers lag (or rate-limits us): back off briefly.
    await new Promise((resolve) => setTimeout(resolve, 2));
  } else errors++;
}

async function runClosedLoop(deadline) {
  let cursor = 0;
  const lane = async () => {
    while (performance.now() < deadline) await send(rooms[cursor++ % rooms.length]);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function runOpenLoop(deadline, started) {
  // Requests are due at `rate / batch` per second; at most `concurrency` in flight, and what
  // cannot be sent in time is counted as missed rather than silently queued.
  let issued = 0;
  let inFlight = 0;
  let missed = 0;
  let cursor = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (now >= deadline) {
        clearInterval(timer);
        const wait = setInterval(() => inFlight === 0 && (clearInterval(wait), resolve()), 5);
        return;
      }
      const due = Math.floor((((now - started) / 1000) * rate) / batch);
      while (issued < due) {
        issued++;
        if (inFlight >= concurrency * 4) {
          missed++;
          continue;
        }
        inFlight++;
        send(rooms[cursor++ % rooms.length]).then(() => inFlight--);
      }
    }, 2);
  });
  statuses.missed = missed;
}

const started = performance.now();
const deadline = started + seconds * 1000;
if (rate === 'max') await runClosedLoop(deadline);
else await runOpenLoop(deadline, started);
const elapsed = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({ target, published, requests, errors, statuses, seconds: elapsed, publishedPerSecond: published / elapsed }),
);
pool.close();
