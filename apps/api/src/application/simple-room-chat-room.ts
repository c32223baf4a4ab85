import { roomStream, type RoomEvent } from '@parley/contracts';
import { isDomainError } from '@parley/domain';
import { decideRoom, evolveRoom, initialRoomState, type RoomState } from '@parley/domain/rooms';
import { usernameKey, type SimpleRoom } from '@parley/domain/simple-rooms';
import { hashApiKey } from '@parley/infra/auth';
import { WrongExpectedRevisionError } from '@parley/infra/event-store';
import type { ApiContext } from '../context.js';
import { derivedId, derivedShortId } from './ids.js';

/**
 * The stream room a simple room chats in. Simple room `<id>` chats as stream room `sr-<id>`
 * (stream `room-sr-<id>`); stream-room ids never contain `-`, so the two cannot collide.
 *
 * The chat room is created with the simple room (and again, idempotently, on first use if that
 * append was lost): one append of `RoomCreated`, `ApiKeyIssued`, `WebhookSecretSet` and
 * `RoomUpdated { filterEnabled: true }`, all decided by the stream-room decider, with event ids
 * derived from the simple room's id, so a retry appends nothing. Its owner is the system
 * identity `system:simple-rooms` (not null) so that the word filter can be switched on through
 * the decider like in any room, and so that an operator holding an identity token for that
 * subject (minted with the admin CLI) can moderate it through `/rooms/sr-<id>/moderation`. No
 * guests (`allowedProviders: []`); the API key and webhook secret are derived from the server
 * secret and never shown, so webhook ingress and room tokens are closed to everyone.
 */

export const SIMPLE_ROOM_CHAT_PREFIX = 'sr-';
export const SIMPLE_ROOM_CHAT_OWNER = 'system:simple-rooms';

export const chatRoomIdOf = (simpleRoomId: string): string => `${SIMPLE_ROOM_CHAT_PREFIX}${simpleRoomId}`;
export const isSimpleRoomChat = (roomId: string): boolean => roomId.startsWith(SIMPLE_ROOM_CHAT_PREFIX);
export const simpleRoomIdOfChat = (chatRoomId: string): string => chatRoomId.slice(SIMPLE_ROOM_CHAT_PREFIX.length);

/**
 * Who a simple-room chatter is in the stream-room machinery (message `sender`, socket principal
 * `userId`, moderation `target`): `username:<lowercase username>`. Simple rooms know their
 * people by username, so moderation and rate limits key on the same name members are listed by.
 */
export const chatterIdOf = (username: string): string => `username:${usernameKey(username)}`;

/** Secrets of a chat room nobody is given: derived from the server's id secret, stable across retries. */
export interface ChatRoomSecrets {
  apiKeyHash: string;
  apiKeyPrefix: string;
  webhookSecret: string;
}

export function chatRoomSecrets(idSecret: Uint8Array, simpleRoomId: string): ChatRoomSecrets {
  const apiKey = `sk_live_${derivedShortId(idSecret, 32, 'sr-chat-api-key', simpleRoomId)}`;
  return {
    apiKeyHash: hashApiKey(apiKey),
    apiKeyPrefix: apiKey.slice(0, 12),
    webhookSecret: `whsec_${derivedShortId(idSecret, 32, 'sr-chat-webhook-secret', simpleRoomId)}`,
  };
}

/** The events that open the chat room of a simple room (pure: the stream-room decider, twice). */
export function chatRoomOpening(room: Pick<SimpleRoom, 'id' | 'createdAt'>, secrets: ChatRoomSecrets): RoomEvent[] {
  const roomId = chatRoomIdOf(room.id);
  const created = decideRoom(
    { type: 'CreateRoom', roomId, name: roomId, owner: SIMPLE_ROOM_CHAT_OWNER, allowedProviders: [], maxViewers: null, ...secrets, at: room.createdAt },
    initialRoomState,
  );
  if (isDomainError(created)) throw new Error(`cannot open chat room ${roomId}: ${created.message}`);
  const opened = created.reduce(evolveRoom, initialRoomState);
  const filterOn = decideRoom(
    { type: 'UpdateRoom', actor: { userId: SIMPLE_ROOM_CHAT_OWNER, roomRoles: [], credential: 'identity' }, filterEnabled: true, at: room.createdAt },
    opened,
  );
  if (isDomainError(filterOn)) throw new Error(`cannot switch on the word filter of ${roomId}: ${filterOn.message}`);
  return [...created, ...filterOn];
}

/** The chat room of an open simple room, created if it is not there yet (idempotent, safe under races). */
export async function ensureChatRoom(ctx: ApiContext, room: Pick<SimpleRoom, 'id' | 'createdAt'>): Promise<RoomState> {
  const roomId = chatRoomIdOf(room.id);
  const existing = ctx.rooms.cached(roomId) ?? (await ctx.rooms.state(roomId));
  if (existing) return existing;
  const events = chatRoomOpening(room, chatRoomSecrets(ctx.idSecret, room.id));
  try {
    await ctx.store.append(
      roomStream(roomId),
      events.map((e, i) => ({ id: derivedId(ctx.idSecret, 'sr-chat-opening', room.id, String(i)), type: e.type, data: e.data })),
      'no_stream',
    );
  } catch (error) {
    // Another request opened it a moment ago (the store dedupes our own ids; theirs differ only in a race with a foreign writer).
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
  }
  // A load that began before the append may still answer "absent"; the next one reads afresh.
  const opened = (await ctx.rooms.state(roomId)) ?? (await ctx.rooms.state(roomId));
  if (!opened) throw new Error(`chat room ${roomId} is missing right after it was opened`);
  return opened;
}
