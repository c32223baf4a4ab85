// Unit tests of the counting client's pieces: node --test loadtest/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { FrameReader, clientFrame, OP_TEXT, OP_PING, OP_CLOSE, HEAD_BYTES } from '../clients/ws-frames.mjs';
import { centrifugoAdapter, socketioAdapter, parleyAdapter } from '../clients/adapters.mjs';
import { percentile, summarize } from '../clients/latency-receiver.mjs';
import { barChart } from '../lib/charts.mjs';
import { sourcesFor } from '../clients/frame-counter.mjs';

/** An unmasked server frame. */
function serverFrame(payload, opcode = OP_TEXT) {
  const body = Buffer.from(payload);
  const len = body.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, body]);
}

function collect(stream, chunkSize) {
  const seen = [];
  const reader = new FrameReader((opcode, fin, length, buf, start, headLength) => {
    seen.push({ opcode, length, head: buf.toString('latin1', start, start + headLength) });
  });
  for (let at = 0; at < stream.length; at += chunkSize) {
    const chunk = stream.subarray(at, Math.min(stream.length, at + chunkSize));
    reader.push(chunk, 0, chunk.length);
  }
  return seen;
}

test('FrameReader sees every frame once with its first bytes, however the stream is split', () => {
  const payloads = ['', 'a', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(70_000), '{"t":"msg","seq":1}'];
  const stream = Buffer.concat([...payloads.map((p) => serverFrame(p)), serverFrame('hi', OP_PING)]);
  for (const chunkSize of [1, 2, 3, 7, 13, 64, 1000, stream.length]) {
    const seen = collect(stream, chunkSize);
    assert.equal(seen.length, payloads.length + 1, `chunk size ${chunkSize}`);
    payloads.forEach((p, i) => {
      assert.equal(seen[i].length, p.length);
      assert.equal(seen[i].head, p.slice(0, HEAD_BYTES));
    });
    assert.deepEqual(seen.at(-1), { opcode: OP_PING, length: 2, head: 'hi' });
  }
});

test('clientFrame masks the payload and sets the length forms', () => {
  for (const size of [0, 5, 125, 126, 65_535, 65_536]) {
    const payload = Buffer.alloc(size, 0x61);
    const frame = clientFrame(payload);
    assert.equal(frame[0], 0x81);
    assert.ok(frame[1] & 0x80, 'mask bit');
    const code = frame[1] & 0x7f;
    const offset = code < 126 ? 2 : code === 126 ? 4 : 10;
    const length = code < 126 ? code : code === 126 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
    assert.equal(length, size);
    const mask = frame.subarray(offset, offset + 4);
    const body = frame.subarray(offset + 4);
    const unmasked = Buffer.from(body.map((b, i) => b ^ mask[i & 3]));
    assert.deepEqual(unmasked, payload);
  }
});

/** Drive an adapter with a byte stream of server frames, as the worker does. */
function drive(adapter, frames, chunkSize, conn = {}) {
  const sent = [];
  let count = 0;
  Object.assign(conn, {
    isReady: conn.isReady ?? false,
    room: 'room-0',
    index: 0,
    send: (text) => sent.push(text),
    ready: () => (conn.isReady = true),
    fail: (why) => (conn.failed = why),
    count: (n) => (count += n),
  });
  const reader = new FrameReader(
    (opcode, fin, length, buf, start, headLength) => {
      if (opcode < 8) adapter.onFrame(conn, opcode, length, buf, start, headLength);
    },
    adapter.onPayloadBytes ? (chunk, from, to) => adapter.onPayloadBytes(conn, chunk, from, to) : null,
    adapter.onBegin ? (opcode, length) => adapter.onBegin(conn, opcode, length) : null,
  );
  const stream = Buffer.concat(frames.map((f) => serverFrame(f)));
  for (let at = 0; at < stream.length; at += chunkSize) {
    const chunk = stream.subarray(at, Math.min(stream.length, at + chunkSize));
    reader.push(chunk, 0, chunk.length);
  }
  return { sent, count, conn };
}

test('centrifugo adapter: connect → subscribe → counts every push of batched frames', () => {
  const push = (n) => `{"push":{"channel":"room-0","pub":{"data":{"n":${n}}}}}`;
  const frames = [
    '{"id":1,"connect":{"client":"c","version":"0","ping":60,"pong":true}}',
    '{"id":2,"subscribe":{}}',
    push(1),
    [push(2), push(3), push(4)].join('\n'),
    '{}',
    [push(5), '{}', push(6)].join('\n'),
    ['{}', push(7)].join('\n'),
  ];
  for (const chunkSize of [1, 5, 40, 10_000]) {
    const { sent, count, conn } = drive(centrifugoAdapter, frames, chunkSize);
    assert.ok(conn.isReady);
    assert.equal(count, 7, `chunk size ${chunkSize}`);
    assert.deepEqual(JSON.parse(sent[0]), { id: 2, subscribe: { channel: 'room-0' } });
    assert.deepEqual(sent.slice(1), ['{}', '{}', '{}'], 'answers every ping, batched or not');
  }
});

test('centrifugo adapter: a subscribe error fails the connection', () => {
  const { conn } = drive(centrifugoAdapter, ['{"id":1,"connect":{}}', '{"id":2,"error":{"code":103,"message":"permission denied"}}'], 1000);
  assert.equal(conn.isReady, false);
  assert.equal(conn.failed, 'command error');
});

test('socket.io adapter: joins the namespace, answers pings, counts only 42 packets', () => {
  const frames = ['0{"sid":"x","pingInterval":25000}', '40{"sid":"y"}', '42["msg",{"t":"msg"}]', '2', '42["msg",{}]', '43[]'];
  const { sent, count, conn } = drive(socketioAdapter, frames, 3);
  assert.deepEqual(sent, ['40', '3']);
  assert.ok(conn.isReady);
  assert.equal(count, 2);
});

test('parley adapter: ready on hello, counts msg frames only', () => {
  const frames = ['{"t":"hello","room":"r"}', '{"t":"msg","seq":1}', '{"t":"presence","online":3}', '{"t":"msg","seq":2}'];
  const { count, conn } = drive(parleyAdapter, frames, 4);
  assert.ok(conn.isReady);
  assert.equal(count, 2);
  assert.equal(parleyAdapter.path({ room: 'a b', index: 3 }, {}), '/ws?room=a%20b&guest=1&name=viewer3');
  assert.equal(parleyAdapter.path({ room: 'r', index: 3 }, { tokens: ['t0', 't1'] }), '/ws?room=r&token=t1');
});

test('close frames are reported with their code', () => {
  const seen = collect(serverFrame(Buffer.from([0x03, 0xf1]), OP_CLOSE), 1);
  assert.equal(seen[0].opcode, OP_CLOSE);
  assert.equal(Buffer.from(seen[0].head, 'latin1').readUInt16BE(0), 1009);
});

test('percentiles use nearest rank', () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(new Float64Array(0), 50), null);
  assert.deepEqual(summarize([3, 1, 2]), { count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
});

test('source addresses grow with the connection count', () => {
  assert.equal(sourcesFor(10), 1);
  assert.equal(sourcesFor(50_000), 50);
  assert.equal(sourcesFor(10_000_000), 250);
});

test('charts are valid PNG files', () => {
  const png = barChart({ title: 'T', yLabel: 'y', series: ['a', 'b'], groups: [{ label: 'g', values: [1, null] }] });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idatAt = png.indexOf('IDAT', 0, 'latin1');
  const idatLength = png.readUInt32BE(idatAt - 4);
  const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + idatLength));
  assert.equal(raw.length, height * (width * 3 + 1));
});
