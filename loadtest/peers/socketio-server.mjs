#!/usr/bin/env node
// Socket.IO peer with the same surface as bare-uws.mjs: one Socket.IO room per chat room, the
// same chat frame emitted as event "msg" (the wire frame is `42["msg",{...}]`).
// Default Socket.IO 4 setup (node:http + ws engine, no per-message deflate), WebSocket only.
//
//   node peers/socketio-server.mjs [--port 9102] [--host 127.0.0.1]
//
//   Socket.IO  /socket.io/?EIO=4&transport=websocket&room=<room>   joins <room> on connect
//   POST /publish/:room[?count=N]   emit N frames (body JSON verbatim if not empty);
//                                   503 {"congested":true} while subscribers lag
//   POST /drive?rooms=N&prefix=room-&rate=max|<msgs/s>&seconds=S   self-driven publisher
//   GET  /stats, GET /healthz

import http from 'node:http';
import { Server } from 'socket.io';
import { chatFrame, peerRoomName } from '../lib/chat-frame.mjs';
import { startSelfDriver } from '../lib/self-driver.mjs';
import { parseArgs } from '../lib/args.mjs';

const args = parseArgs(process.argv.slice(2));
const port = Number(args.port ?? process.env.PORT ?? 9102);
const host = String(args.host ?? process.env.HOST ?? '127.0.0.1');
const CONGESTED_BYTES = 256 * 1024;

let connections = 0;
let published = 0;
let seq = 0;
const probes = new Map();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://peer');
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && url.pathname === '/healthz') return void res.end('ok');
  if (req.method === 'GET' && url.pathname === '/stats') {
    return reply(200, { connections, published, rssBytes: process.memoryUsage.rss() });
  }
  if (req.method === 'POST' && url.pathname.startsWith('/publish/')) {
    const room = decodeURIComponent(url.pathname.slice('/publish/'.length));
    const count = Math.max(1, Math.min(10_000, Number(url.searchParams.get('count')) || 1));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const probe = probes.get(room);
      if (probe && isCongested(probe)) return reply(503, { congested: true });
      const body = Buffer.concat(chunks);
      const given = body.length > 0 ? JSON.parse(body.toString()) : null;
      const sentAt = Date.now();
      for (let i = 0; i < count; i++) emit(room, given ?? chatFrame(room, ++seq, sentAt));
      reply(200, { published: count });
    });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/drive') {
    const roomCount = Number(url.searchParams.get('rooms')) || 1;
    const prefix = url.searchParams.get('prefix') || 'room-';
    const rateParam = url.searchParams.get('rate') || 'max';
    const seconds = Number(url.searchParams.get('seconds')) || 10;
    const rooms = Array.from({ length: roomCount }, (_, i) => peerRoomName(i, prefix));
    const rate = rateParam === 'max' ? 'max' : Number(rateParam);
    startSelfDriver({
      rooms,
      rate,
      seconds,
      publish: (room, text) => emit(room, JSON.parse(text)),
      congested: () => [...probes.values()].some(isCongested),
    });
    return reply(200, { driving: rooms.length, rate, seconds });
  }
  reply(404, { error: 'not found' });
});

const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
});

io.on('connection', (socket) => {
  connections++;
  const room = String(socket.handshake.query.room ?? 'default');
  socket.join(room);
  if (!probes.has(room)) probes.set(room, socket);
  socket.on('disconnect', () => {
    connections--;
    if (probes.get(room) === socket) probes.delete(room);
  });
});

function emit(room, frame) {
  io.to(room).emit('msg', frame);
  published++;
}

function isCongested(socket) {
  const conn = socket.conn;
  const buffered = conn.transport?.socket?.bufferedAmount ?? 0;
  return conn.writeBuffer.length > 64 || buffered > CONGESTED_BYTES;
}

server.listen(port, host, () => {
  console.log(JSON.stringify({ peer: 'socketio', host, port, pid: process.pid }));
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
