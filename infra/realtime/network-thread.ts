import { Worker } from 'node:worker_threads';
import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocket, WebSocketBehavior } from '@trufflesuite/uws-js-unofficial';
import { closeCodes } from '@parley/contracts/frames';
import type { RealtimeLimits } from './limits.js';
import { fromThread, toThread } from './network-protocol.mjs';
import type { WsUserData } from './ws-viewer.js';
import { ThreadLink } from './thread-link.js';

/**
 * A second place for WebSocket viewers: a worker thread with a uWS app of its own on another port,
 * which holds the sockets and does the sending (the kernel's share of every delivery) while the
 * main thread goes on deciding everything else. The main thread keeps one WebSocket behaviour per
 * place, the same code: the thread reports each socket event, and the behaviour runs here against
 * a `RemoteSocket`, whose writes, subscriptions and closes go back to the thread in order, batched
 * once per turn of the event loop. Topic publishes go to both places.
 *
 * What the main thread cannot ask synchronously, the thread answers by itself: how much a socket has
 * buffered (it reports that after each batch that wrote to it; between reports the main thread adds
 * what it has sent since) and which consumers are too slow (it closes them, 4008, and says so).
 */
export interface NetworkThread {
  readonly port: number;
  /** Publishes to the thread's subscribers of `topic`; returns how many there are. */
  publish(topic: string, json: Buffer): number;
  /**
   * Undefined while the thread keeps up; else a promise that settles once it has caught up. The
   * realtime bus handler returns it, so a thread behind slows the bus (the in-process bus, the
   * relay; a Kafka consumer, its fetches) instead of queueing frames without bound.
   */
  caughtUp(): Promise<void> | undefined;
  /** Closes the thread's listening socket and connections, then ends the thread. */
  close(): Promise<void>;
}

export interface NetworkThreadOptions {
  host: string;
  port: number;
  path: string;
  /** The `/ws` behaviour the thread's sockets are served by (its socket options go to the thread). */
  behavior: WebSocketBehavior<WsUserData>;
  limits: RealtimeLimits;
  onError: (err: unknown, where: string) => void;
  /** Called once if the thread ends when nobody asked it to (else that goes to `onError`). */
  onFailure?: (error: Error) => void;
  /** The thread's code: `network-thread-worker.mjs` unless a test gives another. */
  workerModule?: URL;
}

/** A socket on the network thread, as the WebSocket behaviour sees it. */
class RemoteSocket {
  closed = false;
  /** What the thread last said this socket had buffered, and what was sent to it since. */
  reported = 0;
  sentSince = 0;
  readonly topics: string[] = [];

  constructor(
    readonly connId: number,
    private readonly userData: WsUserData,
    private readonly thread: ThreadLink,
  ) {}

  getUserData(): WsUserData {
    return this.userData;
  }

  send(json: Buffer): number {
    if (this.closed) return 0;
    this.sentSince += json.byteLength;
    this.thread.push(1, toThread.send, this.connId, json);
    return 1;
  }

  subscribe(topic: string): boolean {
    if (this.closed) return false;
    this.topics.push(topic);
    this.thread.subscribed(topic, 1);
    this.thread.push(0, toThread.subscribe, this.connId, topic);
    return true;
  }

  end(code: number, reason: string): void {
    if (!this.closed) this.thread.push(0, toThread.end, this.connId, code, reason);
  }

  getBufferedAmount(): number {
    return this.reported + this.sentSince;
  }

  /** Writes are batched per turn of the event loop anyway. */
  cork(fn: () => void): this {
    fn();
    return this;
  }
}

const textOf = (s: string): ArrayBuffer => {
  const bytes = Buffer.from(s);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};
const noContext = null as unknown as us_socket_context_t;
const noMessage = new ArrayBuffer(0);

/** Starts the thread and resolves once it listens (rejects when it cannot, e.g. the port is taken). */
export async function startNetworkThread(options: NetworkThreadOptions): Promise<NetworkThread> {
  const { behavior, limits, onError } = options;
  const socket = {
    compression: behavior.compression,
    maxPayloadLength: behavior.maxPayloadLength,
    maxBackpressure: behavior.maxBackpressure,
    closeOnBackpressureLimit: behavior.closeOnBackpressureLimit,
    idleTimeout: behavior.idleTimeout,
    sendPingsAutomatically: behavior.sendPingsAutomatically,
  };
  const worker = new Worker(options.workerModule ?? new URL('./network-thread-worker.mjs', import.meta.url), {
    workerData: {
      host: options.host,
      port: options.port,
      path: options.path,
      socket,
      maxBackpressure: limits.maxBackpressure,
      slowConsumerCheckMs: limits.slowConsumerCheckMs,
      slowConsumerCode: closeCodes.slowConsumer,
      goingAwayCode: closeCodes.goingAway,
    },
  });
  const link = new ThreadLink(worker);
  /** Upgrades the behaviour is deciding, by the thread's id: their abort handlers. */
  const upgrading = new Map<number, { onAborted?: () => void }>();
  const sockets = new Map<number, RemoteSocket>();
  let lastConnId = 0;

  const asWs = (s: RemoteSocket) => s as unknown as WebSocket<WsUserData>;

  const onUpgrade = (id: number, query: string, authorization: string, forwardedFor: string, remoteAddress: string, protocols: string) => {
    const headers: Record<string, string> = {
      authorization,
      'x-forwarded-for': forwardedFor,
      'sec-websocket-protocol': protocols,
      // The thread keeps the key and extensions and upgrades with its own copies.
      'sec-websocket-key': '',
      'sec-websocket-extensions': '',
    };
    const req = { getHeader: (name: string) => headers[name] ?? '', getQuery: () => query };
    const state: { onAborted?: () => void } = {};
    upgrading.set(id, state);
    let answered = false;
    let statusLine = '200 OK';
    const res = {
      onAborted(handler: () => void) {
        state.onAborted = handler;
        return res;
      },
      getRemoteAddressAsText: () => textOf(remoteAddress),
      cork(fn: () => void) {
        fn();
        return res;
      },
      writeStatus(line: string) {
        statusLine = line;
        return res;
      },
      writeHeader() {
        return res;
      },
      end(body: string) {
        if (answered || !upgrading.delete(id)) return res;
        answered = true;
        link.push(0, toThread.refuse, id, statusLine, body);
        return res;
      },
      upgrade(userData: WsUserData, _key: string, protocol: string) {
        if (answered || !upgrading.delete(id)) return;
        answered = true;
        const connId = ++lastConnId;
        const socket = new RemoteSocket(connId, userData, link);
        sockets.set(connId, socket);
        link.push(0, toThread.accept, id, connId, protocol);
        // Opened here, as uWS opens a socket inside its upgrade: the viewer counts before the
        // client hears back, and what it sends first follows the accept in the queue.
        behavior.open?.(asWs(socket));
      },
    };
    behavior.upgrade!(res as unknown as HttpResponse, req as unknown as HttpRequest, noContext);
  };

  const onClose = (connId: number, code: number, slow: boolean) => {
    const s = sockets.get(connId);
    if (!s) return;
    sockets.delete(connId);
    s.closed = true;
    for (const topic of s.topics) link.subscribed(topic, -1);
    const viewer = s.getUserData().viewer;
    if (slow && viewer) viewer.slow = true;
    behavior.close?.(asWs(s), code, noMessage);
  };

  let resolveListening: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (resolveListening = resolve));
  const dispatch = (batch: unknown[]) => {
    for (let i = 0; i < batch.length; ) {
      switch (batch[i]) {
        case fromThread.upgrade:
          onUpgrade(batch[i + 1] as number, batch[i + 2] as string, batch[i + 3] as string, batch[i + 4] as string, batch[i + 5] as string, batch[i + 6] as string);
          i += 7;
          break;
        case fromThread.aborted: {
          const state = upgrading.get(batch[i + 1] as number);
          upgrading.delete(batch[i + 1] as number);
          state?.onAborted?.();
          i += 2;
          break;
        }
        case fromThread.message: {
          const s = sockets.get(batch[i + 1] as number);
          if (s) behavior.message?.(asWs(s), batch[i + 2] as ArrayBuffer, false);
          i += 3;
          break;
        }
        case fromThread.buffered: {
          const s = sockets.get(batch[i + 1] as number);
          if (s) {
            s.reported = batch[i + 2] as number;
            s.sentSince = 0;
            // The socket took what it was sent: a viewer replaying goes on (a no-op for one that is live).
            behavior.drain?.(asWs(s));
          }
          i += 3;
          break;
        }
        case fromThread.close:
          onClose(batch[i + 1] as number, batch[i + 2] as number, batch[i + 3] === 1);
          i += 4;
          break;
        case fromThread.listening:
          resolveListening(batch[i + 1] as number);
          i += 2;
          break;
        case fromThread.stopped:
          i += 1;
          break;
        case fromThread.processed:
          link.processed();
          i += 1;
          break;
        case fromThread.error:
          onError(new Error(batch[i + 2] as string), `network thread: ${batch[i + 1] as string}`);
          i += 3;
          break;
        default:
          throw new Error(`network thread: unknown record ${String(batch[i])} at ${i}`);
      }
    }
  };

  let stopping = false;
  worker.on('message', (batch: unknown[]) => {
    try {
      dispatch(batch);
    } catch (err) {
      onError(err, 'network thread message');
    }
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.on('error', (err) => onError(err, 'network thread'));
  void exited.then((code) => {
    resolveListening(0);
    link.close();
    // Whatever was still open there is gone: the viewers close as their sockets would have.
    for (const connId of [...sockets.keys()]) onClose(connId, closeCodes.goingAway, false);
    if (stopping) return;
    const failure = new Error(`network thread exited with code ${code}`);
    if (options.onFailure) options.onFailure(failure);
    else onError(failure, 'network thread');
  });

  const port = await listening;
  if (port === 0) {
    stopping = true;
    await exited;
    throw new Error(`realtime network thread could not listen on ${options.host}:${options.port}`);
  }

  return {
    port,
    publish(topic, json) {
      // A topic nobody there subscribes to costs the thread nothing. Counts move when a subscribe is
      // queued, so a publish queued after it is never skipped.
      const subscribers = link.subscriberCount(topic);
      if (subscribers > 0) link.push(subscribers, toThread.publish, topic, json);
      return subscribers;
    },
    caughtUp: () => link.caughtUp(),
    async close() {
      if (stopping) return;
      stopping = true;
      link.push(0, toThread.stop);
      link.flush();
      // The thread closes its sockets (their close events settle the viewers), then ends by itself:
      // terminating it with a socket open would abort the process (network-thread-worker.mjs).
      await exited;
    },
  };
}
