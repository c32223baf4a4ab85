import type { ConnectParams } from './connect-params.js';
import type { Authenticate, Principal } from './principal.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomState } from './room-state.js';

export type AdmissionResult = { ok: true; room: RoomState; principal: Principal } | { ok: false; status: number; message: string };

/** Viewers of a room on the cluster's other fan-out nodes, as last heard from them (0 when alone). */
export type PeerViewers = (roomId: string) => number;

/**
 * Decides whether a connection may join: the injected policy authenticates it, then the room's
 * `max_viewers` is checked against this node's viewers plus the other fan-out nodes' (`peers`). On
 * success a slot is reserved in the room (`reserved`), which the caller gives back when the
 * connection opens or is aborted.
 */
export async function admit(params: ConnectParams, ip: string, authenticate: Authenticate, rooms: RoomRegistry, peers: PeerViewers): Promise<AdmissionResult> {
  let auth;
  try {
    auth = await authenticate({ room: params.room, token: params.token, guest: params.guest, name: params.name, ip });
  } catch {
    return { ok: false, status: 500, message: 'authentication failed' };
  }
  if (!auth.ok) return { ok: false, status: auth.status, message: auth.message };
  let room: RoomState;
  try {
    room = await rooms.open(params.room);
  } catch {
    return { ok: false, status: 500, message: 'room history unavailable' };
  }
  if (auth.maxViewers !== null && room.viewers.size + room.reserved + peers(room.id) >= auth.maxViewers) {
    return { ok: false, status: 403, message: `room is full (max_viewers ${auth.maxViewers})` };
  }
  room.reserved++;
  return { ok: true, room, principal: auth.principal };
}

const statusNames: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Rate Limited',
  500: 'Server Error',
};

/** Status line and body of a refused connection, in the stream-rooms error shape `{ error, message, status }`. */
export const refusalOf = (status: number, message: string) => ({
  statusLine: `${status} ${statusNames[status] ?? 'Error'}`,
  body: JSON.stringify({ error: statusNames[status] ?? 'Error', message, status }),
});
