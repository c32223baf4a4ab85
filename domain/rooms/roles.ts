import type { RoomState } from './state.js';

/**
 * Who is acting on a room. `userId` is `provider:id`; `roomRoles` are the roles a room token
 * grants for this room (a token minted with the room's API key may carry "moderator").
 * `apiKey` marks a request authenticated by the room's API key (the integration's own
 * credential, trusted like the owner for minting and ingress, not for settings).
 */
export interface Actor {
  userId: string | null;
  roomRoles: readonly string[];
  apiKey?: boolean;
}

export const isOwner = (state: RoomState, actor: Actor): boolean => actor.userId !== null && state.owner !== null && actor.userId === state.owner;

export const isModerator = (state: RoomState, actor: Actor): boolean =>
  isOwner(state, actor) || (actor.userId !== null && state.moderators.includes(actor.userId)) || actor.roomRoles.includes('moderator');

/** Whether `userId` counts as a moderator of the room by identity (owner or listed). */
export const isListedModerator = (state: RoomState, userId: string): boolean => userId === state.owner || state.moderators.includes(userId);
