// What the frame counter must say and look for on each target's WebSocket protocol.
// An adapter gives the upgrade path, what to send once the socket is open, and how to
// classify each incoming data frame from its first bytes (never a JSON parse).
//
// conn API used here: conn.send(text), conn.ready(), conn.fail(reason), conn.count(n),
// conn.isReady, conn.room, conn.index.

import { OP_TEXT, startsWith } from './ws-frames.mjs';

const b = (s) => Buffer.from(s);
const parleyPrefixes = { count: '{"t":"msg"', ready: '{"t":"hello"', error: '{"t":"error"' };

const PARLEY_MSG = b(parleyPrefixes.count);
const PARLEY_HELLO = b(parleyPrefixes.ready);
const PARLEY_ERROR = b(parleyPrefixes.error);

/** Parley: /ws?room=&token= (or &guest=1&name=); first frame hello; chat frames start {"t":"msg". */
export const parleyAdapter = {
  name: 'parley',
  // The same classification for the C counter (native/frame-counter.c): payload prefixes.
  native: parleyPrefixes,
  path(conn, options) {
    const room = encodeURIComponent(conn.room);
    const token = options.tokens?.[conn.index % options.tokens.length];
    if (token) return `/ws?room=${room}&token=${encodeURIComponent(token)}`;
    return `/ws?room=${room}&guest=1&name=${encodeURIComponent(`viewer${conn.index}`)}`;
  },
  onOpen() {},
  onFrame(conn, opcode, length, buf, start, headLength) {
    if (opcode !== OP_TEXT) return;
    if (startsWith(buf, start, headLength, PARLEY_MSG)) conn.count(1);
    else if (startsWith(buf, start, headLength, PARLEY_HELLO)) conn.ready();
    else if (startsWith(buf, start, headLength, PARLEY_ERROR)) conn.fail('error frame');
  },
};

/** Bare uWS peer: subscribed on open; every text frame is one delivery. */
export const bareAdapter = {
  name: 'bare',
  native: { count: '', ready: '', error: '' }, // every data frame counts; ready once upgraded
  path: (conn) => `/ws?room=${encodeURIComponent(conn.room)}`,
  onOpen(conn) {
    conn.ready();
  },
  onFrame(conn, opcode) {
    if (opcode === OP_TEXT || opcode === 0x2) conn.count(1);
  },
};

const SIO_EVENT = b('42');
const SIO_OPEN = b('0{');
const SIO_CONNECTED = b('40');
const SIO_CONNECT_ERROR = b('44');

/** Socket.IO over its raw engine.io WebSocket transport (EIO=4): count `42[...]` packets. */
export const socketioAdapter = {
  name: 'socketio',
  path: (conn) => `/socket.io/?EIO=4&transport=websocket&room=${encodeURIComponent(conn.room)}`,
  onOpen() {},
  onFrame(conn, opcode, length, buf, start, headLength) {
    if (opcode !== OP_TEXT) return;
    if (startsWith(buf, start, headLength, SIO_EVENT)) return conn.count(1);
    if (length === 1 && buf[start] === 0x32 /* '2' engine.io ping */) return conn.send('3');
    if (startsWith(buf, start, headLength, SIO_OPEN)) return conn.send('40');
    if (startsWith(buf, start, headLength, SIO_CONNECT_ERROR)) return conn.fail('connect error');
    if (startsWith(buf, start, headLength, SIO_CONNECTED)) return conn.ready();
  },
};

const CF_CONNECTED = b('{"id":1,"connect"');
const CF_SUBSCRIBED = b('{"id":2,"subscribe"');
const CF_REPLY = b('{"id":');

/**
 * Centrifugo bidirectional JSON protocol (client protocol v2): send a connect command, then a
 * subscribe command. The server batches newline-delimited JSON messages into one frame, so
 * once subscribed every line is classified by its length alone: a 2-byte line is a `{}` ping
 * (answered with `{}`), any other line is one delivered publication.
 */
export const centrifugoAdapter = {
  name: 'centrifugo',
  path: () => '/connection/websocket',
  onOpen(conn, options) {
    const connect = options.centrifugoToken ? { token: options.centrifugoToken } : {};
    conn.send(JSON.stringify({ id: 1, connect }));
  },
  onBegin(conn, opcode, length) {
    conn.lineLength = 0;
    conn.frameLeft = length;
    conn.countLines = conn.isReady && opcode === OP_TEXT;
  },
  onFrame(conn, opcode, length, buf, start, headLength) {
    if (opcode !== OP_TEXT || conn.isReady) return; // once subscribed, onPayloadBytes counts
    if (length === 2 && buf[start] === 0x7b && buf[start + 1] === 0x7d) return conn.send('{}');
    if (startsWith(buf, start, headLength, CF_CONNECTED)) {
      conn.send(JSON.stringify({ id: 2, subscribe: { channel: conn.room } }));
    } else if (startsWith(buf, start, headLength, CF_SUBSCRIBED)) {
      conn.ready();
    } else if (startsWith(buf, start, headLength, CF_REPLY)) {
      conn.fail('command error');
    }
  },
  onPayloadBytes(conn, chunk, from, to) {
    if (!conn.countLines) return;
    const endLine = () => {
      if (conn.lineLength === 2) conn.send('{}');
      else conn.count(1);
      conn.lineLength = 0;
    };
    let at = from;
    let newline = chunk.indexOf(0x0a, at);
    while (newline !== -1 && newline < to) {
      conn.lineLength += newline - at;
      endLine();
      at = newline + 1;
      newline = chunk.indexOf(0x0a, at);
    }
    conn.lineLength += to - at;
    conn.frameLeft -= to - from;
    if (conn.frameLeft === 0) endLine();
  },
};

export const adapters = {
  parley: parleyAdapter,
  bare: bareAdapter,
  socketio: socketioAdapter,
  centrifugo: centrifugoAdapter,
};
