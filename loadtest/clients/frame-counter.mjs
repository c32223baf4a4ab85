#!/usr/bin/env node
// Lightweight WebSocket frame counter for fan-out ceilings and connection scale.
// Raw `net` sockets + the minimal frame reader in ws-frames.mjs: no JSON parse, no per-frame
// allocation (one static read buffer per process). Forks N worker processes; connections are
// spread over source addresses 127.0.0.1..127.0.0.S so that >28k connections fit the
// ephemeral port range. Each worker reports counted deliveries and its own CPU time.
// With --client native (bare and Parley) the workers are the C counter in native/ instead.
//
// CLI:
//   node clients/frame-counter.mjs --target bare|socketio|centrifugo|parley --url ws://127.0.0.1:9101
//        [--rooms 1] [--per-room 10000] [--prefix room-] [--procs 2] [--sources auto]
//        [--duration 20] [--tokens-file tokens.json] [--centrifugo-token JWT] [--client node|native]
//   prints one JSON line per second ({t, total, perProcess, cpu}) and a final summary line.
// Module: startFrameCounter(options) → { ready, snapshot(), stop() }.

import { fork, spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { adapters } from './adapters.mjs';
import { FrameReader, clientFrame, upgradeRequest, OP_PING, OP_CLOSE, OP_PONG } from './ws-frames.mjs';
import { parseArgs } from '../lib/args.mjs';
import { peerRoomName } from '../lib/chat-frame.mjs';
import { nativeCounter } from '../lib/native-counter.mjs';

const SELF = fileURLToPath(import.meta.url);
// Few connections per source address: bind() to an address with thousands of ports in use
// (or in TIME_WAIT) costs milliseconds of kernel time per connect; 1,000 per address keeps
// 50,000 connections under 10 s here (25,000 per address took minutes).
const PORTS_PER_SOURCE = 1_000;
const MAX_SOURCES = 250; // 127.0.0.1 .. 127.0.0.250

/** Source addresses needed for `connections` sockets to one server address. */
export function sourcesFor(connections) {
  return Math.min(MAX_SOURCES, Math.max(1, Math.ceil(connections / PORTS_PER_SOURCE)));
}

/**
 * @param {{target: string, url: string, rooms: number, perRoom: number, prefix?: string,
 *   roomNames?: string[],
 *   procs?: number, sources?: number, tokens?: string[], centrifugoToken?: string,
 *   inFlight?: number, readyTimeoutMs?: number, client?: 'node' | 'native'}} options
 *   client: 'native' counts with the C counter (clients/native/frame-counter.c) where the target's
 *   adapter allows (`adapter.native`) and a C compiler built it; otherwise, and by default, Node workers.
 */
export function startFrameCounter(options) {
  const total = options.rooms * options.perRoom;
  const procs = Math.max(1, Math.min(options.procs ?? 2, total));
  const sources = options.sources ?? sourcesFor(total);
  const client = chooseClient(options);
  const workers = [];
  const pending = new Map();
  let nextRequest = 0;

  for (let w = 0; w < procs; w++) {
    const from = Math.floor((total * w) / procs);
    const to = Math.floor((total * (w + 1)) / procs);
    const config = {
      target: options.target,
      url: options.url,
      rooms: options.rooms,
      perRoom: options.perRoom,
      prefix: options.prefix ?? 'room-',
      roomNames: options.roomNames ?? null,
      from,
      to,
      sources,
      tokens: options.tokens ?? null,
      centrifugoToken: options.centrifugoToken ?? null,
      inFlight: options.inFlight ?? 256,
      readyTimeoutMs: options.readyTimeoutMs ?? 180_000,
    };
    const child = client.binary ? spawnNativeWorker(client.binary, config) : forkNodeWorker(config);
    const worker = { child, from, to, readyResolve: null, readyInfo: null, exited: false };
    worker.readyPromise = new Promise((resolve) => (worker.readyResolve = resolve));
    child.on('message', (message) => {
      if (message.type === 'ready') {
        worker.readyInfo = message;
        worker.readyResolve(message);
      } else if (message.type === 'snapshot') {
        pending.get(message.requestId)?.(message);
        pending.delete(message.requestId);
      }
    });
    child.on('exit', () => {
      worker.exited = true;
      worker.readyResolve({ type: 'ready', ready: 0, failed: to - from, reasons: { exited: to - from } });
    });
    workers.push(worker);
  }

  const ready = Promise.all(workers.map((w) => w.readyPromise)).then((infos) => {
    const reasons = {};
    for (const info of infos) for (const [k, v] of Object.entries(info.reasons ?? {})) reasons[k] = (reasons[k] ?? 0) + v;
    return {
      connections: total,
      ready: infos.reduce((s, i) => s + i.ready, 0),
      failed: infos.reduce((s, i) => s + i.failed, 0),
      reasons,
      procs,
      sources,
      client: client.name,
      ...(client.fallback ? { clientFallback: client.fallback } : {}),
      pids: workers.map((w) => w.child.pid),
    };
  });

  const ask = (worker) =>
    new Promise((resolve) => {
      if (worker.exited) return resolve({ frames: 0, cpuMicros: 0, closed: worker.to - worker.from, ready: 0 });
      const requestId = nextRequest++;
      pending.set(requestId, resolve);
      worker.child.send({ type: 'snapshot', requestId });
    });

  /** Counters of every worker now: frames counted, CPU µs used, sockets open. */
  const snapshot = async () => {
    const at = performance.now();
    const parts = await Promise.all(workers.map(ask));
    return {
      at,
      frames: parts.reduce((s, p) => s + p.frames, 0),
      cpuMicros: parts.reduce((s, p) => s + p.cpuMicros, 0),
      open: parts.reduce((s, p) => s + (p.open ?? 0), 0),
      closed: parts.reduce((s, p) => s + p.closed, 0),
      perProcess: parts.map((p) => ({ frames: p.frames, cpuMicros: p.cpuMicros })),
    };
  };

  const stop = async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            if (w.exited) return resolve();
            w.child.once('exit', resolve);
            w.child.send({ type: 'stop' });
            setTimeout(() => w.child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  };

  return { ready, snapshot, stop, pids: workers.map((w) => w.child.pid) };
}

/** Which worker counts: the C counter when asked for, the target allows it and it builds. */
function chooseClient(options) {
  if (options.client !== 'native') return { name: 'node', binary: null };
  const native = adapters[options.target]?.native;
  if (!native) return { name: 'node', binary: null, fallback: `no C counter for ${options.target}` };
  const built = nativeCounter();
  if (!built.binary) return { name: 'node', binary: null, fallback: `C counter not built: ${built.why}` };
  return { name: 'native', binary: built.binary };
}

function forkNodeWorker(config) {
  const child = fork(SELF, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send({ type: 'start', config });
  return child;
}

/**
 * The C counter as a worker: the same messages as a forked Node worker's (`send` and the
 * 'message' event), carried as lines on its stdin and stdout.
 */
function spawnNativeWorker(binary, config) {
  const adapter = adapters[config.target];
  const url = new URL(config.url);
  const options = { tokens: config.tokens };
  const paths = [];
  for (let index = config.from; index < config.to; index++) paths.push(adapter.path({ index, room: roomOf(config, index) }, options));
  const { count, ready, error } = adapter.native;
  const args = [url.hostname, url.port || '80', config.sources, config.from, config.inFlight, config.readyTimeoutMs, count, ready, error];
  const child = spawn(binary, args.map(String), { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => {}); // it exited: 'exit' says so
  child.stdin.write(`${paths.join('\n')}\n.\n`);
  createInterface({ input: child.stdout }).on('line', (line) => child.emit('message', JSON.parse(line)));
  child.send = (message) => {
    if (message.type === 'snapshot') child.stdin.write(`s ${message.requestId}\n`);
    else if (message.type === 'stop') child.stdin.write('q\n');
  };
  return child;
}

/** The room of connection `index`: given names round-robin, else the peers' numbered rooms. */
function roomOf(config, index) {
  return config.roomNames ? config.roomNames[index % config.roomNames.length] : peerRoomName(index % config.rooms, config.prefix);
}

/** Rates between two snapshots: deliveries/s overall and per process, CPU % per process. */
export function rateBetween(a, b) {
  const seconds = (b.at - a.at) / 1000;
  return {
    seconds,
    deliveriesPerSecond: (b.frames - a.frames) / seconds,
    clientCpuPercent: ((b.cpuMicros - a.cpuMicros) / 1e6 / seconds) * 100,
    perProcess: b.perProcess.map((p, i) => ({
      deliveriesPerSecond: (p.frames - a.perProcess[i].frames) / seconds,
      cpuPercent: ((p.cpuMicros - a.perProcess[i].cpuMicros) / 1e6 / seconds) * 100,
    })),
    closedDuringWindow: b.closed - a.closed,
  };
}

// ---------------------------------------------------------------- worker process

function runWorker(config) {
  const adapter = adapters[config.target];
  if (!adapter) throw new Error(`unknown target ${config.target}`);
  const url = new URL(config.url);
  const port = Number(url.port || 80);
  const host = url.hostname;
  const readBuffer = Buffer.allocUnsafe(256 * 1024);
  const options = { tokens: config.tokens, centrifugoToken: config.centrifugoToken };
  const conns = [];
  let frames = 0;
  let readyCount = 0;
  let failed = 0;
  let closed = 0;
  let open = 0;
  const reasons = {};
  let nextIndex = config.from;
  let inFlight = 0;
  let announced = false;

  const note = (reason) => (reasons[reason] = (reasons[reason] ?? 0) + 1);

  const maybeAnnounce = () => {
    if (announced) return;
    if (readyCount + failed >= config.to - config.from) {
      announced = true;
      process.send({ type: 'ready', ready: readyCount, failed, reasons });
    }
  };

  const launchMore = () => {
    while (inFlight < config.inFlight && nextIndex < config.to) {
      connect(nextIndex++);
      inFlight++;
    }
  };

  function connect(index) {
    const conn = {
      index,
      room: roomOf(config, index),
      isReady: false,
      done: false, // settled: ready or failed
      socket: null,
      count: (n) => (frames += n),
      send: (text) => conn.socket.write(clientFrame(text)),
      ready() {
        if (conn.done) return;
        conn.done = true;
        conn.isReady = true;
        readyCount++;
        inFlight--;
        launchMore();
        maybeAnnounce();
      },
      fail(reason) {
        note(reason);
        if (!conn.done) {
          conn.done = true;
          failed++;
          inFlight--;
          launchMore();
          maybeAnnounce();
        }
        conn.socket.destroy();
      },
    };
    conns.push(conn);
    let handshake = '';
    let upgraded = false;
    const reader = new FrameReader(
      (opcode, fin, length, buf, start, headLength) => {
        if (opcode === OP_PING) {
          conn.socket.write(clientFrame(Buffer.from(buf.subarray(start, start + headLength)), OP_PONG));
        } else if (opcode === OP_CLOSE) {
          conn.fail(`closed by server ${length >= 2 ? buf.readUInt16BE(start) : ''}`.trim());
        } else if (opcode < 8) {
          adapter.onFrame(conn, opcode, length, buf, start, headLength);
        }
      },
      adapter.onPayloadBytes ? (chunk, from, to) => adapter.onPayloadBytes(conn, chunk, from, to) : null,
      adapter.onBegin ? (opcode, length) => adapter.onBegin(conn, opcode, length) : null,
    );
    const source = config.sources > 0 ? `127.0.0.${1 + (index % config.sources)}` : undefined;
    const socket = net.connect({
      host,
      port,
      localAddress: source,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback(length, buffer) {
          if (upgraded) {
            reader.push(buffer, 0, length);
            return;
          }
          handshake += buffer.toString('latin1', 0, length);
          const end = handshake.indexOf('\r\n\r\n');
          if (end === -1) return;
          if (!handshake.startsWith('HTTP/1.1 101')) {
            conn.fail(`upgrade refused: ${handshake.slice(9, 12)}`);
            return;
          }
          upgraded = true;
          open++;
          const rest = Buffer.from(handshake.slice(end + 4), 'latin1');
          handshake = '';
          adapter.onOpen(conn, options);
          if (rest.length > 0) reader.push(rest, 0, rest.length);
        },
      },
    });
    conn.socket = socket;
    socket.on('connect', () => {
      const path = adapter.path(conn, options);
      socket.write(upgradeRequest(`${host}:${port}`, path));
    });
    socket.on('error', (error) => {
      if (!conn.done) conn.fail(error.code ?? 'socket error');
    });
    socket.on('close', () => {
      if (upgraded) {
        open--;
        closed++;
      }
      if (!conn.done) conn.fail('closed before ready');
    });
  }

  const readyTimer = setTimeout(() => {
    for (const conn of conns) if (!conn.done) conn.fail('ready timeout');
    const notStarted = config.to - nextIndex;
    if (notStarted > 0) {
      failed += notStarted;
      note('not started (timeout)');
      nextIndex = config.to;
    }
    maybeAnnounce();
  }, config.readyTimeoutMs);
  readyTimer.unref();

  process.on('message', (message) => {
    if (message.type === 'snapshot') {
      const cpu = process.cpuUsage();
      process.send({
        type: 'snapshot',
        requestId: message.requestId,
        frames,
        cpuMicros: cpu.user + cpu.system,
        open,
        closed,
        ready: readyCount,
      });
    } else if (message.type === 'stop') {
      // RST instead of FIN: no TIME_WAIT left holding ports of the source addresses.
      for (const conn of conns) {
        try {
          conn.socket.resetAndDestroy();
        } catch {
          conn.socket.destroy();
        }
      }
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));

  if (config.to <= config.from) maybeAnnounce();
  launchMore();
}

// ---------------------------------------------------------------- CLI

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tokens = args['tokens-file'] ? JSON.parse(readFileSync(String(args['tokens-file']), 'utf8')) : undefined;
  const counter = startFrameCounter({
    target: String(args.target ?? 'bare'),
    url: String(args.url ?? 'ws://127.0.0.1:9101'),
    rooms: Number(args.rooms ?? 1),
    perRoom: Number(args['per-room'] ?? 1000),
    prefix: String(args.prefix ?? 'room-'),
    procs: Number(args.procs ?? 2),
    sources: args.sources && args.sources !== 'auto' ? Number(args.sources) : undefined,
    tokens,
    centrifugoToken: args['centrifugo-token'] ? String(args['centrifugo-token']) : undefined,
    client: args.client === 'native' ? 'native' : 'node',
  });
  const readyInfo = await counter.ready;
  console.log(JSON.stringify({ event: 'ready', ...readyInfo }));
  const duration = Number(args.duration ?? 20);
  const first = await counter.snapshot();
  let previous = first;
  for (let s = 1; s <= duration; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await counter.snapshot();
    const rate = rateBetween(previous, now);
    console.log(
      JSON.stringify({
        t: s,
        deliveriesPerSecond: Math.round(rate.deliveriesPerSecond),
        clientCpuPercent: Math.round(rate.clientCpuPercent),
        perProcess: rate.perProcess.map((p) => ({ dps: Math.round(p.deliveriesPerSecond), cpu: Math.round(p.cpuPercent) })),
        open: now.open,
      }),
    );
    previous = now;
  }
  const summary = rateBetween(first, previous);
  console.log(JSON.stringify({ event: 'summary', ...summary }));
  await counter.stop();
}

if (process.argv.includes('--worker')) {
  process.once('message', (message) => runWorker(message.config));
} else if (process.argv[1] === SELF) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
