#!/usr/bin/env node
// Bare uWS pub/sub server: the physical-limit row of the fan-out tables. It does nothing but
// what any fan-out must do — one topic per room, the same chat frame Parley sends (lib/chat-frame.mjs, 329 bytes).
//
//   node peers/bare-uws.mjs [--port 9101] [--host 127.0.0.1]
//
//   WS   /ws?room=<room>                      subscribe to the room's topic
//   POST /publish/:room[?count=N]             publish N frames (the request body verbatim if
//                                             not empty, else a generated chat frame);
//                                             503 {"congested":true} while subscribers lag
//   POST /drive?rooms=N&prefix=room-&rate=max|<msgs/s>&seconds=S
//                                             self-driven publisher (in-process)
//   GET  /stats                               {connections, published, rssBytes}
//   GET  /healthz

import uWS from '@trufflesuite/uws-js-unofficial';
import { chatFrameText, peerRoomName } from '../lib/chat-frame.mjs';
import { startSelfDriver } from '../lib/self-driver.mjs';
import { parseArgs } from '../lib/args.mjs';

const args = parseArgs(process.argv.slice(2));
const port = Number(args.port ?? process.env.PORT ?? 9101);
const host = String(args.host ?? process.env.HOST ?? '127.0.0.1');
const CONGESTED_BYTES = 256 * 1024;

let connections = 0;
let published = 0;
let seq = 0;
/** One early subscriber per room, sampled by the self-driver to sense backpressure. */
const probes = new Map();

const app = uWS.App();

app.ws('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 1024 * 1024,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  upgrade(res, req, context) {
    const room = req.getQuery('room') || 'default';
    res.upgrade(
      { room },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open(ws) {
    connections++;
    const { room } = ws.getUserData();
    ws.subscribe(room);
    if (!probes.has(room)) probes.set(room, ws);
  },
  close(ws) {
    connections--;
    const { room } = ws.getUserData();
    if (probes.get(room) === ws) probes.delete(room);
  },
});

function publish(room, text) {
  app.publish(room, text, false);
  published++;
}

app.post('/publish/:room', (res, req) => {
  const room = req.getParameter(0);
  const count = Math.max(1, Math.min(10_000, Number(req.getQuery('count')) || 1));
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks = [];
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk)); // uWS reuses the chunk's memory after this callback
    if (!isLast || aborted) return;
    const probe = probes.get(room);
    if (probe && probe.getBufferedAmount() > CONGESTED_BYTES) {
      // Backpressure signal for HTTP publishers: subscribers are behind, publish nothing.
      res.writeStatus('503 Service Unavailable').end('{"congested":true}');
      return;
    }
    const body = Buffer.concat(chunks);
    if (body.length > 0) {
      for (let i = 0; i < count; i++) publish(room, body);
    } else {
      const sentAt = Date.now();
      for (let i = 0; i < count; i++) publish(room, chatFrameText(room, ++seq, sentAt));
    }
    res.writeHeader('content-type', 'application/json').end(`{"published":${count}}`);
  });
});

app.post('/drive', (res, req) => {
  const roomCount = Number(req.getQuery('rooms')) || 1;
  const prefix = req.getQuery('prefix') || 'room-';
  const rateParam = req.getQuery('rate') || 'max';
  const seconds = Number(req.getQuery('seconds')) || 10;
  const rooms = Array.from({ length: roomCount }, (_, i) => peerRoomName(i, prefix));
  const rate = rateParam === 'max' ? 'max' : Number(rateParam);
  const congested = () => {
    for (const ws of probes.values()) if (ws.getBufferedAmount() > CONGESTED_BYTES) return true;
    return false;
  };
  startSelfDriver({ rooms, rate, seconds, publish, congested });
  res.writeHeader('content-type', 'application/json').end(JSON.stringify({ driving: rooms.length, rate, seconds }));
});

app.get('/stats', (res) => {
  res
    .writeHeader('content-type', 'application/json')
    .end(JSON.stringify({ connections, published, rssBytes: process.memoryUsage.rss() }));
});

app.get('/healthz', (res) => res.end('ok'));

app.listen(host, port, (token) => {
  if (!token) {
    console.error(`bare-uws: cannot listen on ${host}:${port}`);
    process.exit(1);
  }
  // The port it listens on: the one asked for, or the one the system chose for --port 0.
  console.log(JSON.stringify({ peer: 'bare-uws', host, port: uWS.us_socket_local_port(token), pid: process.pid }));
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
