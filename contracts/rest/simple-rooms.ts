import { z } from 'zod';
import { historyQuery } from './history.js';

/** Bodies and answers of the simple-rooms REST surface (`/api/rooms`, simple-rooms-rest.txt). */

export const roomTypes = ['public', 'private'] as const;

export const createRoomBody = z
  .object({
    type: z.enum(roomTypes),
    members: z.array(z.string().max(64)).max(200).optional().meta({ description: 'Private rooms: at least one username; the creator is added.' }),
    name: z.string().max(200).optional().meta({ description: 'Public rooms: the name (1-100 characters). Ignored for private rooms, whose name is generated.' }),
  })
  .meta({ id: 'SimpleRoomCreateBody', example: { type: 'private', members: ['alice', 'bob'], name: 'Project Discussion' } });

/** `POST /api/rooms/{id}/join` and `/leave`. The body may be omitted; a `username` must be the caller's own. */
export const membershipBody = z
  .object({ username: z.string().max(64).optional() })
  .meta({ id: 'SimpleRoomMembershipBody', example: { username: 'alice' } });

export const listRoomsQuery = z.object({
  username: z.string().optional().meta({ description: 'Legacy, accepted and ignored: visibility comes from the token only.' }),
});

export const publicRoom = z
  .object({ id: z.string(), name: z.string(), type: z.literal('public'), createdAt: z.number().int().meta({ description: 'ms epoch' }), userCount: z.number().int() })
  .meta({ id: 'SimplePublicRoom', example: { id: 'general', name: 'General Chat', type: 'public', createdAt: 1704067200000, userCount: 15 } });

export const privateRoom = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.literal('private'),
    members: z.array(z.string()),
    createdAt: z.number().int().meta({ description: 'ms epoch' }),
    userCount: z.number().int(),
  })
  .meta({ id: 'SimplePrivateRoom', example: { id: 'abc123', name: '@alice, @bob', type: 'private', members: ['alice', 'bob'], createdAt: 1704153600000, userCount: 2 } });

export const room = z.discriminatedUnion('type', [publicRoom, privateRoom]).meta({ id: 'SimpleRoom' });

export const listRoomsResponse = z.object({ rooms: z.array(room) }).meta({ id: 'SimpleRoomList' });
export const roomResponse = z.object({ room }).meta({ id: 'SimpleRoomResponse' });

export const activeUser = z.object({ username: z.string(), joinedAt: z.number().int().meta({ description: 'ms epoch' }) }).meta({ id: 'SimpleRoomActiveUser' });
export const roomUsersResponse = z.object({ users: z.array(activeUser) }).meta({ id: 'SimpleRoomUsers' });

export const successResponse = z.object({ success: z.literal(true) }).meta({ id: 'SimpleRoomSuccess' });

export const errorMessages = {
  400: 'Invalid request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Room not found',
  429: 'Rate limit exceeded',
  500: 'Internal server error',
} as const;

/** The one error body of this surface: `{ "error": "Room not found" }`. */
export const errorBody = z
  .object({ error: z.enum(Object.values(errorMessages) as [string, ...string[]]) })
  .meta({ id: 'SimpleRoomsError', example: { error: 'Room not found' } });

/*
 * Chat in a simple room (Parley extension to simple-rooms-rest.txt): `POST|GET /api/rooms/{id}/messages`.
 * The room `<id>` chats as stream room `sr-<id>`, so its messages are the same events, frames and
 * timeline as stream-room chat; these shapes are the simple-rooms view of them.
 */

/** Message text: at least one non-blank character, at most 64 KiB (UTF-8). */
export const maxMessageTextBytes = 64 * 1024;

export const postMessageBody = z
  .object({
    text: z
      .string()
      .min(1)
      .max(maxMessageTextBytes)
      .refine((t) => t.trim().length > 0, 'must not be blank')
      .meta({ description: 'The message (1 character to 64 KiB, not only whitespace).' }),
    meta: z.unknown().optional().meta({ description: 'Any JSON; passed to clients unchanged (WebSocket `msg` frames, history).' }),
  })
  .meta({ id: 'SimpleRoomPostMessageBody', example: { text: 'Hello, team!' } });

export const chatMessage = z
  .object({
    id: z.string().meta({ description: 'Message id (the `id` of the WebSocket `msg` frame).' }),
    seq: z.number().int().min(0).meta({ description: 'The chat room sequence number (the `seq` of `msg` frames on `/ws?room=sr-<id>`).' }),
    username: z.string().meta({ description: 'The sender.' }),
    text: z.string(),
    createdAt: z.number().int().meta({ description: 'ms epoch' }),
    meta: z.unknown().optional().meta({ description: 'The `meta` the sender gave, unchanged; absent when none was given.' }),
  })
  .meta({ id: 'SimpleRoomMessage', example: { id: '3f0c2a9e-6a41-4d1b-8f3e-0d5c1b2a7e90', seq: 4, username: 'alice', text: 'Hello, team!', createdAt: 1704067200000 } });

export const messageResponse = z.object({ message: chatMessage }).meta({ id: 'SimpleRoomMessageResponse' });

/** `GET /api/rooms/{id}/messages`: `before` / `after` are message `seq`s; `limit` 1..200 (default 50). */
export const messagesQuery = historyQuery;

export const messagesResponse = z
  .object({
    messages: z.array(chatMessage).meta({ description: 'Oldest first.' }),
    hasMore: z.boolean().meta({ description: 'More messages exist beyond this page in the direction it was read (older without `after`, newer with it).' }),
  })
  .meta({ id: 'SimpleRoomMessages' });

export type CreateRoomBody = z.infer<typeof createRoomBody>;
export type MembershipBody = z.infer<typeof membershipBody>;
export type Room = z.infer<typeof room>;
export type ActiveUser = z.infer<typeof activeUser>;
export type PostMessageBody = z.infer<typeof postMessageBody>;
export type ChatMessage = z.infer<typeof chatMessage>;
export type MessagesQuery = z.infer<typeof messagesQuery>;
export type MessagesResponse = z.infer<typeof messagesResponse>;
