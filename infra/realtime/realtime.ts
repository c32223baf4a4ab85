import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { closeCodes } from '@parley/contracts/frames';
import type { Bus, BusSubscription } from '../bus/port.js';
import type { EventStore, StoredEvent } from '../event-store/port.js';
import type { PeerViewers } from './admission.js';
import { canSee, encodeFrame, type FrameEntry } from './frame-entry.js';
import { withDefaultLimits, type RealtimeLimits } from './limits.js';
import { newRealtimeMetrics, type RealtimeMetrics } from './metrics.js';
import type { AccessRecheck, Authenticate, OnClientSend } from './principal.js';
import { RoomRegistry } from './room-registry.js';
import type { RoomState } from './room-state.js';
import { sseHandler } from './sse-endpoint.js';
import type { SseViewer } from './sse-viewer.js';
import { userTopic } from './topics.js';
import type { Viewer, ViewerContext } from './viewer.js';
import { wsBehavior } from './ws-endpoint.js';
import { WsViewer } from './ws-viewer.js';
import { startNetworkThread, type NetworkThread } from './network-thread.js';

export interface RealtimeOptions {
  app: TemplatedApp;
  bus: Bus;
  store: EventStore;
  authenticate: Authenticate;
  onClientSend?: OnClientSend;
  /** Closes viewers (4403) whose access a bus event took away. */
  recheck?: AccessRecheck;
  /**
   * Viewers of a room on the cluster's other fan-out nodes: counted against `max_viewers` and in
   * presence frames. Default: none (one node).
   */
  peerViewers?: PeerViewers;
  /** Names this node's bus group (`fanout-<nodeId>`): every node sees every event. */
  nodeId: string;
  limits?: Partial<RealtimeLimits>;
  wsPath?: string;
  ssePath?: string;
  /**
   * Called once per bus event this node publishes live, with its age in ms: now minus the event's
   * `recordedAt` (set by the store's writer, so on another machine it includes clock skew).
   */
  observeEventAge?: (ms: number) => void;
  /** Unexpected errors in connection handling (default: console.error); one connection's bug must not crash the node. */
  onError?: (err: unknown, where: string) => void;
  /** Called once if a part of realtime stops by itself: the network thread ended (its viewers were closed). */
  onFailure?: (error: Error) => void;
  /**
   * Also serve `/ws` on this address from a network thread of its own (network-thread.ts): its
   * viewers are the same rooms' viewers, but their sockets' sending runs beside the main thread.
   */
  networkThread?: { host: string; port: number };
}

export interface Realtime {
  /** Viewers of the room connected to this node (WebSocket and SSE). */
  online(roomId: string): number;
  /** Viewers per room connected to this node, rooms without viewers left out. */
  onlineByRoom(): Record<string, number>;
  readonly metrics: Readonly<RealtimeMetrics>;
  readonly limits: Readonly<RealtimeLimits>;
  /** The network thread's port (`networkThread`), else null. */
  readonly networkPort: number | null;
  /** Stops timers and the bus subscription and closes every connection (1001). */
  close(): Promise<void>;
}

/**
 * The fan-out half of realtime delivery on one uWS app: bus events become frames, encoded once,
 * kept in a per-room ring buffer and published once per node to uWS topics (and to SSE streams).
 */
export async function createRealtime(options: RealtimeOptions): Promise<Realtime> {
  const { app, store } = options;
  const peerViewers = options.peerViewers ?? (() => 0);
  const limits = withDefaultLimits(options.limits);
  const metrics = newRealtimeMetrics();
  const ctx: ViewerContext = { store, limits, metrics };
  const wsViewers = new Set<WsViewer>();
  /** WebSocket viewers whose sockets are on the network thread. */
  const threadViewers = new Set<WsViewer>();
  const sseViewers = new Set<SseViewer>();
  let network: NetworkThread | null = null;
  /** Publishes to a topic's subscribers on this thread and the network thread; returns how many there are. */
  const publishTo = (topic: string, json: Buffer): number => {
    app.publish(topic, json, false, false);
    return app.numSubscribers(topic) + (network?.publish(topic, json) ?? 0);
  };

  const observeEventAge = options.observeEventAge;
  const publish = (room: RoomState, entry: FrameEntry, event: StoredEvent) => {
    metrics.framesPublished++;
    observeEventAge?.(Date.now() - event.recordedAt);
    if (entry.audience.kind === 'all') {
      metrics.deliveries += publishTo(room.topic, entry.json);
    } else {
      metrics.deliveries += publishTo(room.modTopic, entry.json);
      const sender = entry.audience.sender;
      if (sender !== null) metrics.deliveries += publishTo(userTopic(room.id, sender), entry.json);
    }
    room.publishedSinceCheck = true;
    room.bytesSinceCheck += entry.json.length;
    if (room.bytesSinceCheck >= limits.maxBackpressure / 2) checkRoom(room);
    for (const viewer of room.liveSse) {
      if (!canSee(entry.audience, viewer.principal)) continue;
      viewer.cork(() => viewer.sendLive(entry));
      metrics.deliveries++;
    }
  };

  const rooms = new RoomRegistry(store, limits, metrics, publish);
  const onError = options.onError ?? ((err: unknown, where: string) => console.error(`realtime: ${where}:`, err));
  const onViewersChanged = (room: RoomState) => {
    room.presenceDirty = true;
    if (room.viewers.size === 0) room.idleSince = Date.now();
  };

  const wsDeps = { rooms, authenticate: options.authenticate, peerViewers, onClientSend: options.onClientSend, limits, metrics, ctx, onViewersChanged, onError };
  app.ws(options.wsPath ?? '/ws', wsBehavior({ ...wsDeps, viewers: wsViewers }));
  if (options.networkThread) {
    // Its own behaviour and viewer set: an upgrade borrows the cork of an open socket in its own place only.
    const behavior = wsBehavior({ ...wsDeps, viewers: threadViewers });
    network = await startNetworkThread({ ...options.networkThread, path: options.wsPath ?? '/ws', behavior, limits, onError, onFailure: options.onFailure });
  }
  app.get(options.ssePath ?? '/sse', sseHandler({ rooms, authenticate: options.authenticate, peerViewers, metrics, ctx, viewers: sseViewers, onViewersChanged, onError }));

  // Sent when this node's viewers of a room change, or the other nodes' count of it does.
  const sendPresence = () => {
    for (const room of rooms.all()) {
      if (!room.known || room.online === 0) continue;
      const online = room.online + peerViewers(room.id);
      if (!room.presenceDirty && online === room.presenceSent) continue;
      room.presenceDirty = false;
      room.presenceSent = online;
      const json = encodeFrame({ t: 'presence', room: room.id, seq: room.lastSeq, online });
      metrics.presenceFrames++;
      metrics.deliveries += publishTo(room.topic, json);
      for (const viewer of room.liveSse) viewer.cork(() => viewer.writeControl(json, room.lastSeq));
    }
  };

  // A socket's buffer only grows when its room publishes, so only those rooms are checked: on a
  // timer, and at once whenever a room has published half the limit since its last check, so a
  // socket cannot overshoot by more than that (plus one frame) however late the timer runs.
  const checkRoom = (room: RoomState) => {
    room.publishedSinceCheck = false;
    room.bytesSinceCheck = 0;
    for (const viewer of room.viewers) {
      // The network thread checks its own sockets: only it knows what they have buffered.
      if (!(viewer instanceof WsViewer) || !viewer.live || threadViewers.has(viewer)) continue;
      if (viewer.buffered() > limits.maxBackpressure) {
        viewer.slow = true;
        viewer.end(closeCodes.slowConsumer, 'slow consumer');
      }
    }
  };
  const closeSlowConsumers = () => {
    for (const room of rooms.all()) if (room.publishedSinceCheck) checkRoom(room);
  };

  const keepSseAlive = () => {
    for (const viewer of [...sseViewers]) viewer.keepAlive();
  };

  const timers = [
    setInterval(sendPresence, limits.presenceIntervalMs),
    setInterval(closeSlowConsumers, limits.slowConsumerCheckMs),
    setInterval(keepSseAlive, limits.sseKeepAliveMs),
    setInterval(() => rooms.evictIdle(Date.now()), Math.max(1000, Math.min(60_000, limits.roomIdleMs / 4))),
  ];
  for (const t of timers) t.unref?.();

  // Last, so every function a bus event reaches is initialised.
  const revoke = (viewer: Viewer, reason: string) => {
    if (viewer instanceof WsViewer) viewer.end(closeCodes.accessRevoked, reason);
    else (viewer as SseViewer).end();
  };
  const recheckRoom = (recheck: AccessRecheck, roomId: string) => {
    const room = rooms.get(roomId);
    if (!room) return;
    for (const viewer of [...room.viewers]) {
      recheck.stillAdmitted(roomId, viewer.principal).then(
        (admitted) => {
          if (!admitted) revoke(viewer, 'access revoked');
        },
        (err) => onError(err, 'access recheck'),
      );
    }
  };
  const closeSessions = (recheck: AccessRecheck, ended: Set<string>) => {
    for (const room of rooms.all()) {
      for (const viewer of [...room.viewers]) {
        const session = recheck.sessionOf?.(viewer.principal);
        if (session !== undefined && ended.has(session)) revoke(viewer, 'session ended');
      }
    }
  };
  const closeUser = (roomId: string, userId: string) => {
    const room = rooms.get(roomId);
    if (!room) return;
    for (const viewer of [...room.viewers]) if (viewer.principal.userId === userId) revoke(viewer, 'banned');
  };
  const onBus = (events: StoredEvent[]): Promise<void> | void => {
    rooms.apply(events);
    recheckAccess(events);
    return network?.caughtUp();
  };
  const recheckAccess = (events: StoredEvent[]) => {
    const recheck = options.recheck;
    if (!recheck) return;
    const concerned = new Set<string>();
    const ended = new Set<string>();
    for (const event of events) {
      const roomId = recheck.roomOf(event);
      if (roomId !== undefined) concerned.add(roomId);
      const session = recheck.sessionEndedBy?.(event);
      if (session !== undefined) ended.add(session);
      const shutOut = recheck.revokedBy?.(event);
      if (shutOut) closeUser(shutOut.roomId, shutOut.userId);
    }
    for (const roomId of concerned) recheckRoom(recheck, roomId);
    if (ended.size > 0) closeSessions(recheck, ended);
  };
  const subscription: BusSubscription = await options.bus.subscribe({ group: `fanout-${options.nodeId}` }, onBus);

  return {
    online: (roomId) => rooms.get(roomId)?.online ?? 0,
    onlineByRoom() {
      const counts: Record<string, number> = {};
      for (const room of rooms.all()) if (room.online > 0) counts[room.id] = room.online;
      return counts;
    },
    metrics,
    limits,
    networkPort: network?.port ?? null,
    async close() {
      for (const t of timers) clearInterval(t);
      await subscription.close();
      for (const viewer of [...wsViewers, ...threadViewers]) viewer.end(closeCodes.goingAway, 'server shutting down');
      for (const viewer of [...sseViewers]) viewer.end();
      await network?.close();
    },
  };
}
