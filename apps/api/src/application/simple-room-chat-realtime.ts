import type { SendFrame } from '@parley/contracts/frames';
import { simpleRoomIdOfStream } from '@parley/contracts';
import type { AccessRecheck, AuthenticateInput, AuthenticateResult, ClientSendRefusal, Principal } from '@parley/infra/realtime';
import type { ApiContext } from '../context.js';
import { activeSession, claimedAccount, type AccountSession } from './account-session.js';
import { isRefusal } from './outcome.js';
import { admittedOnSession } from './realtime-sessions.js';
import { isBannedFrom, isPosted, openChat, postChatMessage } from './simple-room-chat.js';
import { chatRoomIdOf, chatterIdOf, ensureChatRoom, simpleRoomIdOfChat } from './simple-room-chat-room.js';

/**
 * `/ws?room=sr-<id>&token=<account access token>` (and `/sse`): who may watch and talk in a
 * simple room's chat over the realtime nodes.
 *
 * - The token is an account access token of a live session (401 otherwise; no guests, no room tokens).
 * - Public room: any account. Private room: members only. Anything else, a room that is gone
 *   included, is 404 "Room not found", as on the REST surface. A user banned in the chat room is 403.
 * - Principal: `userId` = `username:<lowercase username>` (the message `sender` and moderation
 *   target), `displayName` = the username, no roles.
 *
 * A `send` frame is posted through `postChatMessage`, which checks the session and the
 * membership again, so a member who left (or a room that was removed) can no longer post from
 * a socket opened before. The admitted principal object is the key to the connection's seat:
 * the realtime node hands the same object to `onClientSend`.
 */

interface Seat {
  ctx: ApiContext;
  session: AccountSession;
  simpleRoomId: string;
}

const seats = new WeakMap<Principal, Seat>();

const refused = (status: number, message: string): AuthenticateResult => ({ ok: false, status, message });

export async function admitToSimpleRoomChat(ctx: ApiContext, input: AuthenticateInput): Promise<AuthenticateResult> {
  if (!input.token) return refused(401, 'An account access token is required');
  const claimed = await claimedAccount(ctx.tokens, `Bearer ${input.token}`);
  if (claimed.kind === 'invalid') return refused(401, claimed.reason === 'expired' ? 'Token expired' : 'An account access token is required');
  if (claimed.kind !== 'account') return refused(401, 'An account access token is required');
  const session = await activeSession(ctx, claimed.session);
  if (isRefusal(session)) return refused(401, 'Session ended');

  const simpleRoomId = simpleRoomIdOfChat(input.room);
  const chat = await openChat(ctx, session, simpleRoomId, 'write');
  if (isRefusal(chat)) return chat.refused === 'unauthenticated' ? refused(401, chat.message) : refused(404, 'Room not found');
  const chatRoom = await ensureChatRoom(ctx, chat.room);
  if (isBannedFrom(ctx, chatRoom, session.username)) return refused(403, 'Banned from this room');

  const principal = admittedOnSession<Principal>({ userId: chatterIdOf(session.username), displayName: session.username, roles: [], isModerator: false }, session);
  seats.set(principal, { ctx, session, simpleRoomId });
  return { ok: true, principal, maxViewers: chatRoom.maxViewers };
}

export async function sendToSimpleRoomChat(principal: Principal, frame: SendFrame): Promise<{ ok: true } | ClientSendRefusal> {
  const seat = seats.get(principal);
  if (!seat) return { ok: false, code: 'forbidden', message: 'This connection was not admitted to a simple-room chat' };
  const session = await activeSession(seat.ctx, seat.session);
  if (isRefusal(session)) return { ok: false, code: 'unauthenticated', message: 'Session ended' };
  const result = await postChatMessage(seat.ctx, session, seat.simpleRoomId, {
    text: frame.text,
    ...(frame.meta !== undefined ? { meta: frame.meta } : {}),
    via: 'socket',
  });
  if (isPosted(result)) return { ok: true };
  if ('limited' in result) return { ok: false, code: 'rate_limited', message: `Too many messages; retry in ${Math.ceil(result.limited.retryAfterMs / 1000)} s` };
  if ('filtered' in result) return { ok: false, code: 'filtered', message: `Message filtered (${result.filtered})` };
  return { ok: false, code: result.refused, message: result.message };
}

const ACCESS_CHANGING = new Set(['SimpleRoomLeft', 'SimpleRoomDeleted', 'SimpleRoomRemoved']);

/**
 * A member who leaves a private room, and everyone in a room that is deleted or removed, stops
 * receiving its chat at once: their open connections are checked again and closed (4403).
 */
export const simpleRoomChatRecheck: AccessRecheck = {
  roomOf(event) {
    if (!ACCESS_CHANGING.has(event.type)) return undefined;
    const simpleRoomId = simpleRoomIdOfStream(event.stream);
    return simpleRoomId === undefined ? undefined : chatRoomIdOf(simpleRoomId);
  },
  async stillAdmitted(_roomId, principal) {
    const seat = seats.get(principal);
    if (!seat) return true; // not a simple-room chat connection: nothing here concerns it
    const session = await activeSession(seat.ctx, seat.session);
    if (isRefusal(session)) return false;
    return !isRefusal(await openChat(seat.ctx, session, seat.simpleRoomId, 'write'));
  },
};
