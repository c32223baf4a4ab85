import { z } from 'zod';

/**
 * Frames a server sends on a room connection (WebSocket text frames, or SSE `data:` lines).
 * `seq` is the room's sequence number (the revision of stream `room-<id>`). Frames that come
 * from room events (`msg`, `removed`, `mod`) are replayable: a client resumes with the last
 * `seq` it saw. `hello` and `presence` carry the room's current `seq` (a valid resume point);
 * they are not replayed.
 */

const seq = z.int().min(0);
const room = z.string().min(1);

export const helloFrame = z.object({
  t: z.literal('hello'),
  room,
  /** The room's current seq as this node knows it; -1 when the room has no events yet. */
  seq: z.int().min(-1),
  online: z.int().min(0),
  you: z.object({ userId: z.string(), roles: z.array(z.string()) }),
});

export const msgFrame = z.object({
  t: z.literal('msg'),
  room,
  seq,
  id: z.string(),
  /** Ingress `type` ("chat", "event", …) or "chat" for socket posts. */
  kind: z.string(),
  /** ms epoch of the post. */
  ts: z.int(),
  /** `source:userId` of the sender, or null for an anonymous webhook. */
  sender: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  /** The ingress `meta`, passed through unchanged; absent when none was sent. */
  meta: z.unknown().optional(),
});

export const removedFrame = z.object({ t: z.literal('removed'), room, seq, id: z.string() });

const moderationActions = ['ban', 'mute', 'unban', 'unmute', 'stealth'] as const;

export const modFrame = z.object({
  t: z.literal('mod'),
  room,
  seq,
  action: z.enum(moderationActions),
  target: z.string(),
  /** ms epoch when a temporary action ends; null = until lifted. */
  until: z.int().nullable(),
});

export const presenceFrame = z.object({ t: z.literal('presence'), room, seq: z.int().min(-1), online: z.int().min(0) });

export const resyncReasons = ['too_far_behind', 'invalid_since', 'unavailable'] as const;

/**
 * The frames `from..to` (inclusive) cannot be replayed on this connection: fetch that range from
 * the timeline (REST/tRPC) or reload. Live frames continue after `to`.
 */
export const resyncFrame = z.object({ t: z.literal('resync'), room, from: z.int().min(0), to: z.int().min(-1), reason: z.enum(resyncReasons) });

export const errorFrame = z.object({
  t: z.literal('error'),
  code: z.string(),
  message: z.string(),
  /** Echo of the `nonce` of the client frame that failed, when it had one. */
  nonce: z.string().optional(),
});

export const pongFrame = z.object({ t: z.literal('pong') });

export const serverFrame = z.discriminatedUnion('t', [helloFrame, msgFrame, removedFrame, modFrame, presenceFrame, resyncFrame, errorFrame, pongFrame]);

export type HelloFrame = z.infer<typeof helloFrame>;
export type MsgFrame = z.infer<typeof msgFrame>;
export type RemovedFrame = z.infer<typeof removedFrame>;
export type ModFrame = z.infer<typeof modFrame>;
export type PresenceFrame = z.infer<typeof presenceFrame>;
export type ResyncFrame = z.infer<typeof resyncFrame>;
export type ResyncReason = (typeof resyncReasons)[number];
export type ErrorFrame = z.infer<typeof errorFrame>;
export type PongFrame = z.infer<typeof pongFrame>;
export type ServerFrame = z.infer<typeof serverFrame>;
/** Frames that come from room events and can be replayed by `seq`. */
export type RoomEventFrame = MsgFrame | RemovedFrame | ModFrame;
