// The C frame counter (clients/native/frame-counter.c) against real WebSocket servers: it must
// count exactly what the Node workers count. node --test loadtest/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import uWS from '@trufflesuite/uws-js-unofficial';
import { startFrameCounter } from '../clients/frame-counter.mjs';
import { nativeCounter } from '../lib/native-counter.mjs';
import { peerRoomName } from '../lib/chat-frame.mjs';

const LOADTEST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const built = nativeCounter();
const noCompiler = built.binary ? false : `the C counter did not build here: ${built.why}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settledSnapshot(counter, expected) {
  let snap;
  for (let i = 0; i < 100; i++) {
    snap = await counter.snapshot();
    if (snap.frames >= expected) break;
    await sleep(50);
  }
  await sleep(200); // anything beyond `expected` would show up now
  return counter.snapshot();
}

/** A Parley-like server: hello on open, `error` for names starting with "bad"; POST /send sends frames to everyone. */
function parleyLike() {
  let pongs = 0;
  const sockets = new Set();
  const app = uWS.App();
  app.ws('/ws', {
    maxPayloadLength: 1 << 20,
    upgrade: (res, req, context) => {
      const name = new URLSearchParams(req.getQuery()).get('name') ?? '';
      res.upgrade({ name }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      if (ws.getUserData().name.startsWith('viewer1')) ws.send('{"t":"error","code":"denied"}');
      else ws.send('{"t":"hello","room":"r"}');
      sockets.add(ws);
    },
    close: (ws) => sockets.delete(ws),
    pong: () => pongs++,
  });
  app.post('/send', (res) => {
    res.onAborted(() => {});
    for (const ws of sockets) {
      ws.send(`{"t":"msg","seq":1,"text":"${'a'.repeat(200)}"}`);
      ws.send('{"t":"presence","online":3}'); // not a delivery
      ws.send(`{"t":"msg","seq":2,"text":"${'b'.repeat(70_000)}"}`); // 64-bit length form
      ws.ping('are you there');
      ws.send(`{"t":"msg","seq":3,"text":"${'c'.repeat(1000)}"}`); // 16-bit length form
      ws.send(Buffer.from('{"t":"msg","binary":true}'), true); // binary: not a Parley delivery
    }
    res.end(String(sockets.size));
  });
  return new Promise((resolve) =>
    app.listen('127.0.0.1', 0, (socket) => resolve({ port: uWS.us_socket_local_port(socket), pongs: () => pongs, close: () => uWS.us_listen_socket_close(socket) })),
  );
}

test('C counter, Parley protocol: ready on hello, failed on error, counts msg frames of every length form, answers pings', { skip: noCompiler }, async () => {
  const server = await parleyLike();
  // 12 connections: viewer1, viewer10 and viewer11 get an error frame instead of hello.
  const counter = startFrameCounter({ target: 'parley', url: `ws://127.0.0.1:${server.port}`, rooms: 3, perRoom: 4, procs: 2, sources: 2, client: 'native' });
  try {
    const ready = await counter.ready;
    assert.equal(ready.client, 'native');
    assert.equal(ready.ready, 9);
    assert.equal(ready.failed, 3);
    assert.deepEqual(ready.reasons, { 'error frame': 3 });
    const sent = await (await fetch(`http://127.0.0.1:${server.port}/send`, { method: 'POST' })).text();
    assert.equal(sent, '9', 'the failed connections were closed by the counter');
    const snap = await settledSnapshot(counter, 27);
    assert.equal(snap.frames, 27, 'three msg frames per ready connection, nothing else');
    assert.equal(snap.open, 9);
    assert.ok(snap.cpuMicros > 0);
    assert.equal(server.pongs(), 9, 'every ping answered');
  } finally {
    await counter.stop();
    server.close();
  }
});

test('C counter, bare uWS peer: every published frame counted once, in every room', { skip: noCompiler }, async () => {
  // Port 0 and the port the peer announces: a port picked here and passed on could be taken (and,
  // uWS listening with SO_REUSEPORT, shared) by another test's server in between.
  const peer = spawn(process.execPath, [path.join(LOADTEST, 'peers/bare-uws.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await once(createInterface({ input: peer.stdout }), 'line');
    const { port } = JSON.parse(line);
    const counter = startFrameCounter({ target: 'bare', url: `ws://127.0.0.1:${port}`, rooms: 3, perRoom: 5, procs: 2, client: 'native' });
    try {
      const ready = await counter.ready;
      assert.deepEqual([ready.client, ready.ready, ready.failed], ['native', 15, 0]);
      // room-0: 100 generated chat frames; room-1: 3 frames of 1,000 bytes; room-2: nothing. (The
      // 64-bit length form is the Parley test's: the peer, loaded by the parallel tests, at times
      // closed a 70 KB publish request unanswered.)
      const publish = (query, body) => fetch(`http://127.0.0.1:${port}/publish/${query}`, { method: 'POST', body }).then((r) => r.text());
      assert.equal(await publish(`${peerRoomName(0)}?count=100`), '{"published":100}');
      assert.equal(await publish(`${peerRoomName(1)}?count=3`, 'x'.repeat(1000)), '{"published":3}');
      const snap = await settledSnapshot(counter, 515);
      assert.equal(snap.frames, 100 * 5 + 3 * 5);
      assert.equal(snap.perProcess.length, 2);
    } finally {
      await counter.stop();
    }
    const stopped = await Promise.race([once(peer, 'exit').then(() => 'peer died'), sleep(100).then(() => 'peer alive')]);
    assert.equal(stopped, 'peer alive', 'the counter stops without taking the server down');
  } finally {
    peer.kill();
  }
});
