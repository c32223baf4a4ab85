import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { admit, type PeerViewers } from './admission.js';
import { parseConnectParams } from './connect-params.js';
import { encodeFrame } from './frame-entry.js';
import type { RealtimeMetrics } from './metrics.js';
import type { Authenticate } from './principal.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomState } from './room-state.js';
import { SseViewer } from './sse-viewer.js';
import type { ViewerContext } from './viewer.js';
import { refuse } from './ws-endpoint.js';

export interface SseEndpointDeps {
  rooms: RoomRegistry;
  authenticate: Authenticate;
  peerViewers: PeerViewers;
  metrics: RealtimeMetrics;
  ctx: ViewerContext;
  viewers: Set<SseViewer>;
  onViewersChanged: (room: RoomState) => void;
  onError: (err: unknown, where: string) => void;
}

/** `GET /sse?room=&token=` for clients without WebSocket; resumes from `Last-Event-ID`. */
export function sseHandler(deps: SseEndpointDeps): (res: HttpResponse, req: HttpRequest) => void {
  const { metrics } = deps;

  const detach = (viewer: SseViewer) => {
    if (viewer.closed) return;
    viewer.close();
    deps.viewers.delete(viewer);
    viewer.room.viewers.delete(viewer);
    viewer.room.liveSse.delete(viewer);
    metrics.sseConnections--;
    deps.onViewersChanged(viewer.room);
  };

  return (res, req) => {
    const parsed = parseConnectParams(req.getQuery() ?? '', { authorization: req.getHeader('authorization'), lastEventId: req.getHeader('last-event-id') });
    const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
    let aborted = false;
    let viewer: SseViewer | undefined;
    res.onAborted(() => {
      aborted = true;
      if (viewer) detach(viewer);
    });
    if (!parsed.ok) {
      metrics.refused++;
      return refuse(res, 400, parsed.message);
    }
    void admit(parsed.params, ip, deps.authenticate, deps.rooms, deps.peerViewers).then((result) => {
      if (!result.ok) {
        metrics.refused++;
        if (!aborted) res.cork(() => refuse(res, result.status, result.message));
        return;
      }
      const { room, principal } = result;
      if (aborted) {
        room.reserved--;
        return;
      }
      res.cork(() => {
        room.reserved--;
        res
          .writeStatus('200 OK')
          .writeHeader('content-type', 'text/event-stream')
          .writeHeader('cache-control', 'no-cache')
          .writeHeader('x-accel-buffering', 'no');
        const v = new SseViewer(res, room, principal, deps.ctx, parsed.params.since, (dropped) => {
          detach(dropped);
          res.close();
        });
        viewer = v;
        deps.viewers.add(v);
        room.viewers.add(v);
        metrics.sseConnections++;
        metrics.connectionsTotal++;
        deps.onViewersChanged(room);
        res.write('retry: 2000\n\n');
        // The hello's seq is a resume point only when nothing is to be replayed before live frames.
        const fresh = parsed.params.since === null && room.lastSeq >= 0;
        v.writeControl(
          encodeFrame({ t: 'hello', room: room.id, seq: room.lastSeq, online: room.online + deps.peerViewers(room.id), you: { userId: principal.userId, roles: principal.roles } }),
          fresh ? room.lastSeq : null,
        );
        v.pump();
      });
    }).catch((err: unknown) => deps.onError(err, 'sse request'));
  };
}
