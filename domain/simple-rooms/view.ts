import { canSee, type Viewer } from './access.js';
import type { ActiveUser, SimpleRoomState } from './state.js';

/** A room as `simple-rooms-rest.txt` shows it; `members` only on private rooms. */
export type RoomView =
  | { id: string; name: string; type: 'public'; createdAt: number; userCount: number }
  | { id: string; name: string; type: 'private'; members: string[]; createdAt: number; userCount: number };

/** The room as this viewer may see it, or null: answer 404 "Room not found". */
export function toRoomView(state: SimpleRoomState, viewer: Viewer | null): RoomView | null {
  if (!canSee(state, viewer) || state.status !== 'open') return null;
  const { id, name, type, members, createdAt, users } = state.room;
  if (type === 'public') return { id, name, type, createdAt, userCount: users.length };
  return { id, name, type, members: [...members], createdAt, userCount: users.length };
}

/** `GET /api/rooms/{id}/users`, or null (404). */
export function toRoomUsersView(state: SimpleRoomState, viewer: Viewer | null): ActiveUser[] | null {
  if (!canSee(state, viewer) || state.status !== 'open') return null;
  return state.room.users.map(({ username, joinedAt }) => ({ username, joinedAt }));
}

/**
 * `GET /api/rooms`: public rooms plus the private rooms the viewer belongs to, oldest first.
 * The legacy `username` query parameter must not be turned into a viewer: visibility comes
 * from the token only.
 */
export function listRoomViews(states: Iterable<SimpleRoomState>, viewer: Viewer | null): RoomView[] {
  const views: RoomView[] = [];
  for (const state of states) {
    const view = toRoomView(state, viewer);
    if (view) views.push(view);
  }
  return views.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
