import type { SimpleRoomState } from './state.js';

/**
 * Who may do what with a simple room: the one place this surface decides authorization.
 * The decider, the views and the HTTP layer (for 401s before any command exists) all use it.
 *
 * Private rooms are invisible to non-members, admins included: every operation on them by a
 * non-member answers `not_found` (404), never `forbidden` (403), so probing ids does not tell
 * which private rooms exist. `forbidden` is only for rooms the caller can see (public rooms
 * they may not delete, public rooms they may not create).
 */

export type RoomOperation = 'list' | 'get' | 'users' | 'create_public' | 'create_private' | 'join' | 'leave' | 'delete';

export type RoomAccess = 'allowed' | 'unauthenticated' | 'forbidden' | 'not_found';

/** An authenticated caller. `null` stands for an anonymous one. */
export interface Viewer {
  username: string;
  isAdmin: boolean;
}

/** Usernames compare case-insensitively (they are reserved that way). */
export const usernameKey = (username: string): string => username.trim().toLowerCase();

export const viewerOf = (username: string, admins: readonly string[]): Viewer => {
  const key = usernameKey(username);
  return { username: key, isAdmin: admins.some((admin) => usernameKey(admin) === key) };
};

const READS: readonly RoomOperation[] = ['list', 'get', 'users'];

export const isMember = (state: SimpleRoomState, viewer: Viewer | null): boolean =>
  state.status === 'open' && viewer !== null && state.room.members.includes(usernameKey(viewer.username));

/** Public rooms to everyone; private rooms to their members only; closed rooms to no one. */
export function canSee(state: SimpleRoomState, viewer: Viewer | null): boolean {
  if (state.status !== 'open') return false;
  return state.room.type === 'public' || isMember(state, viewer);
}

export function authorize(operation: RoomOperation, state: SimpleRoomState, viewer: Viewer | null): RoomAccess {
  if (READS.includes(operation)) return canSee(state, viewer) ? 'allowed' : 'not_found';
  if (viewer === null) return 'unauthenticated';
  if (operation === 'create_private') return 'allowed';
  if (operation === 'create_public') return viewer.isAdmin ? 'allowed' : 'forbidden';
  if (!canSee(state, viewer)) return 'not_found';
  if (operation === 'delete' && state.status === 'open' && state.room.type === 'public') return viewer.isAdmin ? 'allowed' : 'forbidden';
  return 'allowed';
}
