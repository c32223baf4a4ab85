import type { SimpleRoomEvent, SimpleRoomType } from '@parley/contracts';

export interface ActiveUser {
  username: string;
  joinedAt: number;
}

export interface SimpleRoom {
  id: string;
  type: SimpleRoomType;
  name: string;
  createdBy: string;
  createdAt: number;
  /** Private rooms only (creator first); empty for public rooms. */
  members: string[];
  /**
   * Active users in join order. In a public room: who joined and has not left. In a private
   * room membership is presence: every member is active from the room's creation until they
   * leave, so `users` and `members` hold the same names and `userCount` is the member count
   * (as in the reference's example).
   */
  users: ActiveUser[];
}

export type SimpleRoomState =
  | { status: 'absent' }
  | { status: 'open'; room: SimpleRoom }
  | { status: 'closed'; room: SimpleRoom; reason: 'deleted' | 'too_few_members'; closedAt: number };

export const initialSimpleRoomState: SimpleRoomState = { status: 'absent' };

export function evolveSimpleRoom(state: SimpleRoomState, event: SimpleRoomEvent): SimpleRoomState {
  if (event.type === 'SimpleRoomCreated') {
    const { roomId, roomType, name, createdBy, members, createdAt } = event.data;
    const users = roomType === 'private' ? members.map((username) => ({ username, joinedAt: createdAt })) : [];
    return { status: 'open', room: { id: roomId, type: roomType, name, createdBy, createdAt, members: [...members], users } };
  }
  if (state.status !== 'open') return state;
  const room = state.room;
  switch (event.type) {
    case 'SimpleRoomJoined': {
      if (room.users.some((u) => u.username === event.data.username)) return state;
      return { status: 'open', room: { ...room, users: [...room.users, { username: event.data.username, joinedAt: event.data.joinedAt }] } };
    }
    case 'SimpleRoomLeft': {
      const gone = event.data.username;
      return { status: 'open', room: { ...room, users: room.users.filter((u) => u.username !== gone), members: room.members.filter((m) => m !== gone) } };
    }
    case 'SimpleRoomDeleted':
      return { status: 'closed', room, reason: 'deleted', closedAt: event.data.at };
    case 'SimpleRoomRemoved':
      return { status: 'closed', room, reason: 'too_few_members', closedAt: event.data.at };
  }
}
