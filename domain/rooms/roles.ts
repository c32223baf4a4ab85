import type { RoomState } from './state.js';

/**
 * Who is acting on a room, and with which credential. `userId` is `provider:id`; `roomRoles`
 * are the roles a room token grants for this room (a token minted with the room's API key may
 * carry "moderator"). The API key is the integration's credential: it mints tokens and sends
 * ingress, but is not the owner — and neither is a room token it minted with the owner's id, so
 * owner powers need the owner's identity token.
 */
export interface Actor {
  userId: string | null;
  roomRoles: readonly string[];
  credential: 'identity' | 'room_token' | 'api_key';
}

export const isOwner = (state: RoomState, actor: Actor): boolean =>
  actor.credential === 'identity' && actor.userId !== null && state.owner !== null && actor.userId === state.owner;

export const isModerator = (state: RoomState, actor: Actor): boolean =>
  isOwner(state, actor) || (actor.userId !== null && state.moderators.includes(actor.userId)) || actor.roomRoles.includes('moderator');

/** Whether `userId` counts as a moderator of the room by identity (owner or listed). */
export const isListedModerator = (state: RoomState, userId: string): boolean => userId === state.owner || state.moderators.includes(userId);
