// A realtime network thread: a uWS app of its own that holds WebSocket connections and does their
// sending, while every decision (who may connect, what to replay, what to publish, what a client
// frame means) is made on the main thread (network-thread.ts), which drives it with batches of
// records (network-protocol.mjs). Its own work is the sockets: upgrades, writes, topic publishes,
// pings, and closing consumers that do not read.
import { parentPort, workerData } from 'node:worker_threads';
import uWS from '@trufflesuite/uws-js-unofficial';
import { fromThread, toThread } from './network-protocol.mjs';

/** @type {{ host: string, port: number, path: string, socket: object, maxBackpressure: number, slowConsumerCheckMs: number, slowConsumerCode: number, goingAwayCode: number }} */
const options = workerData;
const port = parentPort;

/** Records for the main thread, sent together once the current callback is done. */
let out = [];
const emit = (...record) => {
  if (out.length === 0) queueMicrotask(flushOut);
  out.push(...record);
};
const flushOut = () => {
  if (out.length === 0) return;
  const batch = out;
  out = [];
  port.postMessage(batch);
};

/** Tells the main thread about an error and goes on (see fromThread.error). */
const report = (where, err) => emit(fromThread.error, where, err instanceof Error ? (err.stack ?? err.message) : String(err));
/** A uWS callback that reports what it throws instead of ending the thread. */
const guarded = (where, fn) =>
  function (...args) {
    try {
      return fn(...args);
    } catch (err) {
      report(where, err);
    }
  };

/** Upgrades waiting for the main thread's answer, by id. */
const pending = new Map();
/** Open sockets by connId. */
const conns = new Map();
/** connIds this thread closed for not reading. */
const slow = new Set();
let lastUpgradeId = 0;

const app = uWS.App();
app.ws(options.path, {
  ...options.socket,
  upgrade: guarded('upgrade', (res, req, context) => {
    // Everything from `req` and the address are read now: both are gone after this callback.
    const id = ++lastUpgradeId;
    pending.set(id, {
      res,
      context,
      key: req.getHeader('sec-websocket-key'),
      extensions: req.getHeader('sec-websocket-extensions'),
    });
    res.onAborted(() => {
      if (pending.delete(id)) emit(fromThread.aborted, id);
    });
    emit(
      fromThread.upgrade,
      id,
      req.getQuery() ?? '',
      req.getHeader('authorization'),
      req.getHeader('x-forwarded-for'),
      Buffer.from(res.getRemoteAddressAsText()).toString(),
      req.getHeader('sec-websocket-protocol'),
    );
  }),
  open: guarded('open', (ws) => {
    conns.set(ws.getUserData().connId, ws);
  }),
  message: guarded('message', (ws, message) => {
    // uWS reuses the message's memory after this callback: slice copies it.
    emit(fromThread.message, ws.getUserData().connId, message.slice(0));
  }),
  drain: guarded('drain', (ws) => {
    emit(fromThread.buffered, ws.getUserData().connId, ws.getBufferedAmount());
  }),
  close: guarded('close', (ws, code) => {
    const { connId } = ws.getUserData();
    conns.delete(connId);
    emit(fromThread.close, connId, code, slow.delete(connId) ? 1 : 0);
    if (stopping && conns.size === 0) exit();
  }),
});

// Besides /ws, the port answers /healthz (for a load balancer in front of it) and 404s in the
// server's error shape; each answer closes its connection, so none is kept alive past a stop.
const answer = (res, statusLine, body) => res.writeStatus(statusLine).writeHeader('content-type', 'application/json').end(JSON.stringify(body), true);
app.get('/healthz', (res) => answer(res, '200 OK', { status: 'ok' }));
app.any('/*', (res, req) => {
  const message = `No route for ${req.getCaseSensitiveMethod()} ${req.getUrl()}`;
  answer(res, '404 Not Found', { error: 'Not Found', message, status: 404 });
});

/** Any open socket: a corked upgrade needs another socket's cork (see upgrade-outside-cork.ts). */
const anyOpen = () => {
  for (const ws of conns.values()) return ws;
  return undefined;
};

/** 1006: the connection went before it was upgraded (no close frame was ever sent). */
const abnormalClosure = 1006;

const accept = (id, connId, protocol) => {
  const p = pending.get(id);
  pending.delete(id);
  if (p) {
    const upgrade = () => p.res.upgrade({ connId }, p.key, protocol, p.extensions, p.context);
    const lender = anyOpen();
    if (lender) lender.cork(() => p.res.cork(upgrade));
    else upgrade();
  }
  // uWS opens the socket inside upgrade; if the client went meanwhile, the viewer the main thread
  // opened is closed again.
  if (!conns.has(connId)) emit(fromThread.close, connId, abnormalClosure, 0);
};

const refuse = (id, statusLine, body) => {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  // The connection is closed after the answer: it was only ever for an upgrade, and a kept-alive one
  // would hold the thread open at shutdown.
  p.res.cork(() => p.res.writeStatus(statusLine).writeHeader('content-type', 'application/json').end(body, true));
};

// Slow consumers: a socket can only fall behind by what is published or sent to it, so the sockets
// are checked on a timer and at once whenever half the limit has gone out since the last check.
let bytesSinceCheck = 0;
const closeSlowConsumers = () => {
  bytesSinceCheck = 0;
  for (const [connId, ws] of conns) {
    if (ws.getBufferedAmount() > options.maxBackpressure && !slow.has(connId)) {
      slow.add(connId);
      ws.end(options.slowConsumerCode, 'slow consumer');
    }
  }
};
const sweep = setInterval(closeSlowConsumers, options.slowConsumerCheckMs);
const counted = (bytes) => {
  bytesSinceCheck += bytes.byteLength;
  if (bytesSinceCheck >= options.maxBackpressure / 2) closeSlowConsumers();
};

// A worker thread that ends with a uWS socket still open aborts the whole process ("uv_loop_close()
// while having open handles"), so the thread is never terminated while it has any: it closes them
// all, then closes its port and ends by itself.
let listenSocket = null;
let stopping = false;
let cutOff = null;
const exit = () => {
  clearTimeout(cutOff);
  emit(fromThread.stopped);
  flushOut();
  port.close();
};
const stop = () => {
  stopping = true;
  clearInterval(sweep);
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  listenSocket = null;
  for (const p of pending.values()) p.res.cork(() => p.res.writeStatus('503 Service Unavailable').end('', true));
  pending.clear();
  if (conns.size === 0) return exit();
  for (const ws of [...conns.values()]) ws.end(options.goingAwayCode, 'server shutting down');
  // A client that does not answer the close frame is cut off.
  cutOff = setTimeout(() => {
    for (const ws of [...conns.values()]) ws.close();
  }, 1000);
};

port.on('message', (batch) => {
  /** Sockets written to in this batch: the main thread learns how much each has buffered. */
  const written = new Set();
  try {
    run(batch, written);
  } catch (err) {
    // The rest of the batch is dropped (a bad record's length is unknown); the batch still counts as done.
    report('batch', err);
  }
  for (const connId of written) {
    const ws = conns.get(connId);
    if (ws) emit(fromThread.buffered, connId, ws.getBufferedAmount());
  }
  emit(fromThread.processed);
});

/** Carries out one batch of records from the main thread, in order. */
function run(batch, written) {
  for (let i = 0; i < batch.length; ) {
    switch (batch[i]) {
      case toThread.publish:
        app.publish(batch[i + 1], batch[i + 2], false, false);
        counted(batch[i + 2]);
        i += 3;
        break;
      case toThread.send: {
        const connId = batch[i + 1];
        const ws = conns.get(connId);
        if (ws) {
          const bytes = batch[i + 2];
          ws.cork(() => ws.send(bytes, false, false));
          counted(bytes);
          written.add(connId);
        }
        i += 3;
        break;
      }
      case toThread.subscribe:
        conns.get(batch[i + 1])?.subscribe(batch[i + 2]);
        i += 3;
        break;
      case toThread.end:
        conns.get(batch[i + 1])?.end(batch[i + 2], batch[i + 3]);
        i += 4;
        break;
      case toThread.accept:
        accept(batch[i + 1], batch[i + 2], batch[i + 3]);
        i += 4;
        break;
      case toThread.refuse:
        refuse(batch[i + 1], batch[i + 2], batch[i + 3]);
        i += 4;
        break;
      case toThread.stop:
        stop();
        i += 1;
        break;
      default:
        throw new Error(`network thread: unknown record ${batch[i]} at ${i}`);
    }
  }
}

app.listen(options.host, options.port, (socket) => {
  listenSocket = socket || null;
  emit(fromThread.listening, socket ? uWS.us_socket_local_port(socket) : 0);
  if (!socket) stop();
});
