import { randomUUID } from 'node:crypto';
import uWS from '@trufflesuite/uws-js-unofficial';
import { roomStream, type ModerationAction, type RoomEvent } from '@parley/contracts/events';
import { inprocBus } from '../../bus/inproc-bus.js';
import { memoryCheckpoints } from '../../checkpoints/index.js';
import { sqliteEventStore } from '../../event-store/sqlite/sqlite-event-store.js';
import type { EventStore } from '../../event-store/port.js';
import { startRelay, type Relay } from '../../relay/relay.js';
import type { RealtimeLimits } from '../limits.js';
import type { Authenticate, OnClientSend, Principal } from '../principal.js';
import { createRealtime, type Realtime } from '../realtime.js';

/**
 * The test policy for `authenticate` (an injected policy, not a mocked service): tokens are
 * `user:<id>` or `mod:<id>`; guests get `guest:<n>`; rooms must have been created through the harness.
 */
export function testAuthenticate(rooms: Map<string, { maxViewers: number | null; guests: boolean }>): Authenticate {
  let guests = 0;
  return async ({ room, token, guest, name }) => {
    const info = rooms.get(room);
    if (!info) return { ok: false, status: 404, message: 'room not found' };
    let principal: Principal | undefined;
    if (token?.startsWith('user:')) principal = { userId: token.slice(5), displayName: token.slice(5), roles: ['viewer'], isModerator: false };
    else if (token?.startsWith('mod:')) principal = { userId: token.slice(4), displayName: token.slice(4), roles: ['moderator'], isModerator: true };
    else if (token === null && guest && info.guests) principal = { userId: `guest:${++guests}`, displayName: name ?? 'guest', roles: ['guest'], isModerator: false };
    if (!principal) return { ok: false, status: 401, message: 'invalid or missing token' };
    return { ok: true, principal, maxViewers: info.maxViewers };
  };
}

export interface Harness {
  port: number;
  store: EventStore;
  realtime: Realtime;
  /** Stops carrying store events to the bus (the node stops hearing about appends). */
  stopRelay(): Promise<void>;
  /** Starts a relay again; `fromScratch` re-publishes the whole log (the node must dedupe it). */
  startRelay(fromScratch: boolean): Promise<void>;
  wsUrl(query: Record<string, string | number>): string;
  sseUrl(query: Record<string, string | number>): string;
  createRoom(roomId: string, options?: { maxViewers?: number | null; guests?: boolean }): Promise<void>;
  post(roomId: string, message: { text: string; sender?: string | null; stealth?: boolean; meta?: unknown; kind?: string }): Promise<number>;
  moderate(roomId: string, action: ModerationAction, target: string): Promise<number>;
  remove(roomId: string, messageId: string): Promise<number>;
  updateRoom(roomId: string): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  limits?: Partial<RealtimeLimits>;
  onClientSend?: OnClientSend;
  file?: string;
  peerViewers?: (roomId: string) => number;
  observeEventAge?: (ms: number) => void;
  /** The store writer's clock (its events' `recordedAt`). */
  storeNow?: () => number;
  /** Serve `wsUrl` from a network thread (network-thread.ts) instead of the main thread's app. */
  networkThread?: boolean;
}

/** The two places a WebSocket viewer can be served from; the e2e suites run in both. */
export const wsPlaces = [
  { name: 'sockets on the main thread', networkThread: false },
  { name: 'sockets on a network thread', networkThread: true },
] as const;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const store = sqliteEventStore({ file: options.file ?? ':memory:', ...(options.storeNow ? { now: options.storeNow } : {}) });
  const bus = inprocBus();
  const app = uWS.App();
  const rooms = new Map<string, { maxViewers: number | null; guests: boolean }>();
  const realtime = await createRealtime({
    app,
    bus,
    store,
    authenticate: testAuthenticate(rooms),
    nodeId: 'test',
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onClientSend ? { onClientSend: options.onClientSend } : {}),
    ...(options.peerViewers ? { peerViewers: options.peerViewers } : {}),
    ...(options.observeEventAge ? { observeEventAge: options.observeEventAge } : {}),
    ...(options.networkThread ? { networkThread: { host: '127.0.0.1', port: 0 } } : {}),
  });
  const checkpoints = memoryCheckpoints();
  let relay: Relay | null = await startRelay({ store, bus, checkpoints, pollMs: 2 });
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (ls) => (ls ? resolve(ls) : reject(new Error('listen failed')))),
  );
  const port = uWS.us_socket_local_port(listenSocket);
  const qs = (query: Record<string, string | number>) => new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();

  const append = async (roomId: string, event: RoomEvent) => {
    const r = await store.append(roomStream(roomId), [{ id: randomUUID(), type: event.type, data: event.data }], 'any');
    return r.lastRevision;
  };

  return {
    port,
    store,
    realtime,
    async stopRelay() {
      await relay?.stop();
      relay = null;
    },
    async startRelay(fromScratch) {
      relay = await startRelay({ store, bus, checkpoints: fromScratch ? memoryCheckpoints() : checkpoints, pollMs: 2 });
    },
    wsUrl: (query) => `ws://127.0.0.1:${realtime.networkPort ?? port}/ws?${qs(query)}`,
    sseUrl: (query) => `http://127.0.0.1:${port}/sse?${qs(query)}`,
    async createRoom(roomId, o = {}) {
      rooms.set(roomId, { maxViewers: o.maxViewers ?? null, guests: o.guests ?? true });
      await append(roomId, {
        type: 'RoomCreated',
        data: { roomId, name: roomId, owner: null, allowedProviders: ['guest'], maxViewers: o.maxViewers ?? null, createdAt: Date.now() },
      });
    },
    post: (roomId, m) =>
      append(roomId, {
        type: 'ChatMessagePosted',
        data: {
          roomId,
          messageId: randomUUID(),
          kind: m.kind ?? 'chat',
          payload: { text: m.text, displayName: m.sender ?? 'webhook' },
          ...(m.meta === undefined ? {} : { meta: m.meta }),
          sender: m.sender ?? null,
          visibility: m.stealth ? 'moderators_and_sender' : 'all',
          via: 'ingress',
          at: Date.now(),
        },
      }),
    moderate: (roomId, action, target) =>
      append(roomId, { type: 'UserModerated', data: { roomId, action, target, until: null, reason: null, actor: 'mod:1', at: Date.now() } }),
    remove: (roomId, messageId) => append(roomId, { type: 'ChatMessageRemoved', data: { roomId, messageId, actor: 'mod:1', reason: null, at: Date.now() } }),
    updateRoom: (roomId) => append(roomId, { type: 'RoomUpdated', data: { roomId, name: `${roomId}!`, updatedBy: 'owner', updatedAt: Date.now() } }),
    async close() {
      await realtime.close();
      await relay?.stop();
      uWS.us_listen_socket_close(listenSocket);
      await store.close();
    },
  };
}

export const until = async (check: () => boolean, ms = 5000, what = 'condition') => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
