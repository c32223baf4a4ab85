import { isListedModerator, activeRestrictions } from '@parley/domain/rooms';
import type { AccessRecheck, Authenticate, OnClientSend } from '@parley/infra/realtime';
import type { ApiContext } from '../context.js';
import { accountSessionEnded, accountSessionOf } from './account-session.js';
import { banRecheck } from './realtime-bans.js';
import { identityCaller } from './caller.js';
import { shortId } from './ids.js';
import type { Ingress } from './ingress.js';
import { admittedOnSession, sessionRecheck } from './realtime-sessions.js';
import { admitToSimpleRoomChat, sendToSimpleRoomChat, simpleRoomChatRecheck } from './simple-room-chat-realtime.js';
import { isSimpleRoomChat } from './simple-room-chat-room.js';

/**
 * Who may watch a room over WebSocket/SSE: a room token for that room (minted with the API key
 * or by the owner), an identity token (the owner, moderators, or a user of a provider the room
 * allows), or a guest where the room allows the `guest` provider. A banned user is refused;
 * `max_viewers` is enforced by the fan-out node.
 * Chat rooms of simple rooms (`sr-<id>`) follow their own policy (simple-room-chat-realtime.ts).
 */
export function realtimeAuthenticate(ctx: ApiContext): Authenticate {
  return async (input) => {
    if (isSimpleRoomChat(input.room)) return admitToSimpleRoomChat(ctx, input);
    const { room, token, guest, name } = input;
    const state = ctx.rooms.cached(room) ?? (await ctx.rooms.state(room));
    if (!state) return { ok: false, status: 404, message: 'Room not found' };
    if (token) {
      const roomToken = await ctx.tokens.verifyRoomToken(token);
      let principal;
      if (roomToken.ok) {
        if (roomToken.claims.room !== room) return { ok: false, status: 403, message: 'Token is for another room' };
        const { sub, name: displayName, roles } = roomToken.claims;
        principal = { userId: sub, displayName, roles, isModerator: roles.includes('moderator') || isListedModerator(state, sub) };
      } else {
        const identity = await ctx.tokens.verifyIdentity(token);
        if (!identity.ok) return { ok: false, status: 401, message: identity.reason === 'expired' || roomToken.reason === 'expired' ? 'Token expired' : 'Invalid token' };
        const { sub, username } = identity.claims;
        const caller = identityCaller(identity.claims);
        if (await accountSessionEnded(ctx, caller)) return { ok: false, status: 401, message: 'Session ended' };
        principal = { userId: sub, displayName: username ?? sub, roles: [], isModerator: isListedModerator(state, sub) };
        const session = accountSessionOf(caller);
        if (session) admittedOnSession(principal, session);
        // Anyone else signed in comes in only through a provider the room allows (`discord:123` needs "discord").
        const provider = sub.includes(':') ? sub.slice(0, sub.indexOf(':')) : null;
        if (!principal.isModerator && (provider === null || !state.allowedProviders.includes(provider))) {
          return { ok: false, status: 403, message: `This room does not allow ${provider ?? 'these'} users` };
        }
      }
      if (activeRestrictions(state, principal.userId, ctx.now()).banned) return { ok: false, status: 403, message: 'Banned from this room' };
      return { ok: true, principal, maxViewers: state.maxViewers };
    }
    if (guest) {
      if (!state.allowedProviders.includes('guest')) return { ok: false, status: 403, message: 'This room does not allow guests' };
      const displayName = (name ?? '').trim().slice(0, 32) || 'Guest';
      return { ok: true, principal: { userId: `guest:${shortId(10)}`, displayName, roles: ['guest'], isModerator: false }, maxViewers: state.maxViewers };
    }
    return { ok: false, status: 401, message: 'A room token or ?guest=1 is required' };
  };
}

/** Socket sends go through the ingress rules; guests only watch. Simple-room chats post through their own use case. */
export function realtimeOnClientSend(ingress: Ingress): OnClientSend {
  return async (principal, room, frame, from) => {
    if (isSimpleRoomChat(room)) return sendToSimpleRoomChat(principal, frame);
    if (principal.roles.includes('guest')) return { ok: false, code: 'forbidden', message: 'Guests cannot send messages' };
    return ingress.postFromSocket({ userId: principal.userId, displayName: principal.displayName, ip: from.ip }, room, { text: frame.text, ...(frame.meta !== undefined ? { meta: frame.meta } : {}) });
  };
}

/** Access taken away from open connections: a simple room's chat they may no longer watch, ended account sessions, and bans. */
export function realtimeRecheck(ctx: Pick<ApiContext, 'now'>): AccessRecheck {
  return { ...simpleRoomChatRecheck, ...sessionRecheck, ...banRecheck(ctx.now) };
}
