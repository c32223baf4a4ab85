import type { HttpResponse, WebSocketBehavior } from '@trufflesuite/uws-js-unofficial';
import uWS from '@trufflesuite/uws-js-unofficial';
import { clientFrame, closeCodes, type SendFrame } from '@parley/contracts/frames';
import { clientIp } from '../http/client-ip.js';
import { admit, refusalOf, type PeerViewers } from './admission.js';
import { parseConnectParams } from './connect-params.js';
import { encodeFrame } from './frame-entry.js';
import type { RealtimeLimits } from './limits.js';
import type { RealtimeMetrics } from './metrics.js';
import type { Authenticate, OnClientSend } from './principal.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomState } from './room-state.js';
import type { ViewerContext } from './viewer.js';
import { upgradeOutsideOwnCork } from './upgrade-outside-cork.js';
import { WsViewer, type Admission, type WsUserData } from './ws-viewer.js';

export interface WsEndpointDeps {
  rooms: RoomRegistry;
  authenticate: Authenticate;
  peerViewers: PeerViewers;
  onClientSend: OnClientSend | undefined;
  limits: RealtimeLimits;
  metrics: RealtimeMetrics;
  ctx: ViewerContext;
  /** Every open WebSocket viewer of this node (for shutdown). */
  viewers: Set<WsViewer>;
  onViewersChanged: (room: RoomState) => void;
  onError: (err: unknown, where: string) => void;
}

const pong = encodeFrame({ t: 'pong' });

export const refuse = (res: HttpResponse, status: number, message: string): void => {
  const r = refusalOf(status, message);
  res.writeStatus(r.statusLine).writeHeader('content-type', 'application/json').end(r.body);
};

const openViewer = (viewers: Set<WsViewer>): WsViewer | undefined => {
  for (const viewer of viewers) if (!viewer.closed) return viewer;
  return undefined;
};

const release = (a: Admission) => {
  if (a.released) return;
  a.released = true;
  a.room.reserved--;
};

/** The `/ws` behaviour: authenticated upgrade, hello + catch-up on open, client frames, close bookkeeping. */
export function wsBehavior(deps: WsEndpointDeps): WebSocketBehavior<WsUserData> {
  const { rooms, limits, metrics } = deps;

  const sendError = (viewer: WsViewer, code: string, message: string, nonce: string | undefined) => {
    metrics.clientFramesRejected++;
    viewer.cork(() => viewer.writeControl(encodeFrame({ t: 'error', code, message, ...(nonce === undefined ? {} : { nonce }) })));
  };

  const onSend = (viewer: WsViewer, frame: SendFrame, ip: string) => {
    if (!deps.onClientSend) return sendError(viewer, 'read_only', 'this endpoint does not accept messages', frame.nonce);
    const send = deps.onClientSend;
    // Through a promise so a policy that throws synchronously is answered like one that rejects.
    Promise.resolve().then(() => send(viewer.principal, viewer.room.id, frame, { ip })).then(
      (result) => {
        if (result && result.ok === false) sendError(viewer, result.code, result.message, frame.nonce);
      },
      (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        sendError(viewer, typeof e?.code === 'string' ? e.code : 'rejected', typeof e?.message === 'string' ? e.message : 'message rejected', frame.nonce);
      },
    );
  };

  return {
    compression: uWS.DISABLED,
    // uWS drops oversized frames without a close frame (the client sees 1006). It lets through up to
    // twice our limit so that the message handler can answer the documented 1009 instead.
    maxPayloadLength: limits.maxPayloadLength * 2,
    // uWS's own limit is a hard stop above ours: our sweep closes slow consumers with 4008 first.
    maxBackpressure: limits.maxBackpressure * 2,
    closeOnBackpressureLimit: true as unknown as number, // typed as number in this build; the native side reads a boolean
    idleTimeout: limits.idleTimeoutSec,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      // Everything from `req` is read before the first await; it is gone afterwards.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol').split(',')[0]!.trim();
      const extensions = req.getHeader('sec-websocket-extensions');
      const parsed = parseConnectParams(req.getQuery() ?? '', { authorization: req.getHeader('authorization') });
      const ip = clientIp(req.getHeader('x-forwarded-for'), res.getRemoteAddressAsText());
      let aborted = false;
      let admission: Admission | undefined;
      res.onAborted(() => {
        aborted = true;
        if (admission) release(admission);
      });
      if (!parsed.ok) {
        metrics.refused++;
        return refuse(res, 400, parsed.message);
      }
      void admit(parsed.params, ip, deps.authenticate, rooms, deps.peerViewers).then((result) => {
        if (!result.ok) {
          metrics.refused++;
          if (!aborted) res.cork(() => refuse(res, result.status, result.message));
          return;
        }
        admission = { room: result.room, principal: result.principal, since: parsed.params.since, ip, released: false };
        if (aborted) return release(admission);
        const userData: WsUserData = { admission, viewer: null };
        upgradeOutsideOwnCork(res, () => res.upgrade(userData, key, protocol, extensions, context), openViewer(deps.viewers));
      }).catch((err: unknown) => deps.onError(err, 'ws upgrade'));
    },

    open: (ws) => {
      const data = ws.getUserData();
      const { room, principal, since } = data.admission;
      release(data.admission);
      const viewer = new WsViewer(ws, room, principal, deps.ctx, since);
      data.viewer = viewer;
      deps.viewers.add(viewer);
      room.viewers.add(viewer);
      metrics.connections++;
      metrics.connectionsTotal++;
      deps.onViewersChanged(room);
      viewer.writeControl(
        encodeFrame({ t: 'hello', room: room.id, seq: room.lastSeq, online: room.online + deps.peerViewers(room.id), you: { userId: principal.userId, roles: principal.roles } }),
      );
      viewer.pump();
    },

    message: (ws, message) => {
      const viewer = ws.getUserData().viewer;
      if (!viewer) return;
      metrics.clientFrames++;
      if (message.byteLength > limits.maxPayloadLength) return ws.end(closeCodes.messageTooBig, 'message too big');
      let parsed;
      try {
        // toString copies out of uWS's buffer, which is reused after this callback.
        parsed = clientFrame.safeParse(JSON.parse(Buffer.from(message).toString('utf8')));
      } catch {
        return sendError(viewer, 'bad_frame', 'frame is not JSON', undefined);
      }
      if (!parsed.success) return sendError(viewer, 'bad_frame', parsed.error.issues[0]?.message ?? 'invalid frame', undefined);
      if (parsed.data.t === 'ping') return viewer.writeControl(pong);
      onSend(viewer, parsed.data, ws.getUserData().admission.ip);
    },

    drain: (ws) => {
      const viewer = ws.getUserData().viewer;
      if (viewer && !viewer.live) viewer.pump();
    },

    close: (ws) => {
      const viewer = ws.getUserData().viewer;
      if (!viewer) return;
      viewer.close();
      deps.viewers.delete(viewer);
      viewer.room.viewers.delete(viewer);
      metrics.connections--;
      if (viewer.slow) metrics.slowConsumerCloses++;
      deps.onViewersChanged(viewer.room);
    },
  };
}
