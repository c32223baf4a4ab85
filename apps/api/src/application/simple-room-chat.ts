import { ingress, roomStream, type ChatMessagePosted, type simpleRooms } from '@parley/contracts';
import { isDomainError } from '@parley/domain';
import { createRateLimiter, type RateDecision } from '@parley/domain/ingress';
import { activeRestrictions, type RoomState } from '@parley/domain/rooms';
import { canSee, viewerOf, type SimpleRoom, type SimpleRoomState, type Viewer } from '@parley/domain/simple-rooms';
import { history, type TimelineMessage, type TimelineViewer } from '@parley/projections/timeline';
import type { ApiContext } from '../context.js';
import type { AccountSession } from './account-session.js';
import { derivedId, eventId } from './ids.js';
import { refuse, type Refusal } from './outcome.js';
import { perContext } from './per-context.js';
import { chatRoomIdOf, chatterIdOf, ensureChatRoom } from './simple-room-chat-room.js';
import { chatWordFilters } from './simple-room-chat-filter.js';
import { isSimpleRoomId, roomStoreOf } from './simple-rooms.js';

/**
 * Chat in simple rooms (`/api/rooms/{id}/messages`, tRPC `simpleRooms.sendMessage` /
 * `simpleRooms.history`, and `/ws?room=sr-<id>` sends): the simple room decides who may take
 * part, the stream-room machinery does the rest. A post is a `PostMessage` on chat room
 * `sr-<id>` decided by the stream-room decider (bans, mutes, stealth, word filter), with the
 * per-user limit of webhook ingress (20 messages per 10 s per user and room), one limiter for
 * REST, tRPC and sockets together. History is the timeline projection of that room.
 *
 * Who may chat: public room, any signed-in account (reading needs no account, like
 * `GET /api/rooms/{id}`); private room, its members only. Everyone else, and every room that
 * is gone (deleted, or removed when ≤ 1 member was left), gets `not_found` (404), so private
 * rooms stay invisible. A user banned in the chat room is `forbidden`.
 */

const READ_YOUR_WRITES_MS = 1000;

export type ChatMessage = simpleRooms.ChatMessage;
export type FilterReason = 'banned' | 'muted' | 'word_filter';

/** Outcomes a post can have besides a message: over the per-user limit, or stopped by moderation or the word filter. */
export type PostRefusal = Refusal | { limited: RateDecision } | { filtered: FilterReason };
export type Posted = { posted: ChatMessage; position: number };
export type PostResult = Posted | PostRefusal;

export const isPosted = (result: PostResult): result is Posted => 'posted' in result;

interface ChatServices {
  perUser: ReturnType<typeof createRateLimiter>;
  filterOf: ReturnType<typeof chatWordFilters>;
  counter: ReturnType<ApiContext['metrics']['counter']>;
}

const servicesOf = perContext(
  (ctx): ChatServices => ({
    perUser: createRateLimiter({ ...ingress.ingressLimits.perUser, maxKeys: 200_000 }),
    filterOf: chatWordFilters(),
    counter: ctx.metrics.counter('parley_ingress_messages_total', 'Ingress requests by outcome and source'),
  }),
);

const notFound = () => refuse('not_found', 'Room not found');

/** Who may do what in a room's chat (pure). Reads follow room visibility; writes need an account that can see the room. */
export function chatAccess(state: SimpleRoomState, viewer: Viewer | null, what: 'read' | 'write'): 'allowed' | 'unauthenticated' | 'not_found' {
  if (what === 'write' && viewer === null) return 'unauthenticated';
  return canSee(state, viewer) ? 'allowed' : 'not_found';
}

export interface OpenChat {
  room: SimpleRoom;
  chatRoomId: string;
  viewer: Viewer | null;
}

/** The simple room behind a chat, if this caller may read (or write) it. */
export async function openChat(ctx: ApiContext, session: AccountSession | null, simpleRoomId: string, what: 'read' | 'write'): Promise<OpenChat | Refusal> {
  if (what === 'write' && !session) return refuse('unauthenticated', 'Authentication required');
  if (!isSimpleRoomId(simpleRoomId)) return notFound();
  const state = await roomStoreOf(ctx).state(simpleRoomId);
  const viewer = session ? viewerOf(session.username, ctx.config.PARLEY_ADMINS) : null;
  const access = chatAccess(state, viewer, what);
  if (access === 'unauthenticated') return refuse('unauthenticated', 'Authentication required');
  if (access !== 'allowed' || state.status !== 'open') return notFound();
  return { room: state.room, chatRoomId: chatRoomIdOf(simpleRoomId), viewer };
}

/** Whether a user is banned from a chat room now (a chat room not opened yet has no bans). */
export const isBannedFrom = (ctx: ApiContext, chatRoom: RoomState | null, username: string): boolean =>
  chatRoom !== null && activeRestrictions(chatRoom, chatterIdOf(username), ctx.now()).banned;

export interface PostInput {
  text: string;
  meta?: unknown;
  /** REST/tRPC `Idempotency-Key`: a retry returns the first message and appends nothing. */
  idempotencyKey?: string;
  via: 'api' | 'socket';
}

/** Post a message into a simple room's chat as `session`. */
export async function postChatMessage(ctx: ApiContext, session: AccountSession | null, simpleRoomId: string, input: PostInput): Promise<PostResult> {
  const chat = await openChat(ctx, session, simpleRoomId, 'write');
  if ('refused' in chat) return chat;
  const { username } = session!;
  if (input.text.trim() === '' || Buffer.byteLength(input.text) > ingress.ingressLimits.maxBodyBytes) return refuse('invalid', 'Message text must be 1 character to 64 KiB');
  const { perUser, filterOf, counter } = servicesOf(ctx);
  const chatRoom = await ensureChatRoom(ctx, chat.room);
  const chatter = chatterIdOf(username);
  const now = ctx.now();
  const limit = perUser.check(`${chat.chatRoomId}\u0000${chatter}`, now);
  if (!limit.allowed) return { limited: limit };

  const key = input.idempotencyKey;
  const result = await ctx.rooms.post(
    chat.chatRoomId,
    {
      type: 'PostMessage',
      messageId: key ? derivedId(ctx.idSecret, 'sr-chat-message', chat.chatRoomId, chatter, key) : eventId(),
      kind: 'chat',
      payload: { text: input.text, displayName: username, userId: chatter },
      ...(input.meta !== undefined ? { meta: input.meta } : {}),
      sender: chatter,
      via: input.via,
      textBlocked: filterOf(chatRoom)(input.text).blocked,
      at: now,
    },
  );
  if (isDomainError(result)) return notFound();
  const source = input.via === 'socket' ? 'simple-room-socket' : 'simple-room-api';
  counter.inc({ outcome: result.status, source });
  if (result.status === 'filtered') return { filtered: result.reason as FilterReason };
  const message = result.duplicate ? await storedMessage(ctx, chat.chatRoomId, result.seq) : postedMessage(result.seq, result.events[0] as ChatMessagePosted);
  return { posted: message, position: result.position };
}

/** A retried post: the message the first attempt stored, as it was stored. */
async function storedMessage(ctx: ApiContext, chatRoomId: string, seq: number): Promise<ChatMessage> {
  const [stored] = await ctx.store.readStream(roomStream(chatRoomId), { fromRevision: seq, limit: 1 });
  if (!stored || stored.type !== 'ChatMessagePosted') throw new Error(`${chatRoomId}@${seq} is not the message its Idempotency-Key named`);
  return postedMessage(seq, { type: 'ChatMessagePosted', data: stored.data as ChatMessagePosted['data'] });
}

const postedMessage = (seq: number, event: ChatMessagePosted): ChatMessage =>
  messageView(seq, event.data.messageId, event.data.payload, event.data.at, event.data.meta);

function messageView(seq: number, id: string, payload: Record<string, unknown>, at: number, meta: unknown): ChatMessage {
  return {
    id,
    seq,
    username: typeof payload.displayName === 'string' ? payload.displayName : '',
    text: typeof payload.text === 'string' ? payload.text : '',
    createdAt: at,
    ...(meta !== undefined ? { meta } : {}),
  };
}

const timelineView = (m: TimelineMessage): ChatMessage => messageView(m.seq, m.messageId, m.payload!, m.at, m.meta);

/**
 * A page of a simple room's chat, oldest first, from the timeline projection (after it caught
 * up with the store, so a caller reads its own posts). Removed messages are left out; messages
 * of a stealth-banned user are seen by that user only, as everywhere.
 */
export async function chatHistory(
  ctx: ApiContext,
  session: AccountSession | null,
  simpleRoomId: string,
  query: simpleRooms.MessagesQuery,
): Promise<simpleRooms.MessagesResponse | Refusal> {
  const chat = await openChat(ctx, session, simpleRoomId, 'read');
  if ('refused' in chat) return chat;
  if (session && isBannedFrom(ctx, await ctx.rooms.state(chat.chatRoomId), session.username)) return refuse('forbidden', 'Banned from this room');
  const viewer: TimelineViewer = { userId: session ? chatterIdOf(session.username) : null, isModerator: false };
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  const page = history(ctx.readModels.db, chat.chatRoomId, {
    viewer,
    limit: query.limit,
    ...(query.before !== undefined ? { before: query.before } : {}),
    ...(query.after !== undefined ? { after: query.after } : {}),
  });
  return { messages: page.messages.filter((m) => !m.removed && m.payload !== null).map(timelineView), hasMore: page.hasMore };
}
