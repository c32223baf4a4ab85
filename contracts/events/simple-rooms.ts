/**
 * Events of a simple room (`/api/rooms`, stream `sroom-<roomId>`).
 *
 * Usernames inside these events are lowercase keys (the same form as the username
 * reservation), so membership checks never depend on how a name was typed.
 */

export const simpleRoomStream = (roomId: string) => `sroom-${roomId}`;
export const simpleRoomIdOfStream = (stream: string): string | undefined => (stream.startsWith('sroom-') ? stream.slice(6) : undefined);

export type SimpleRoomType = 'public' | 'private';

export interface SimpleRoomCreated {
  type: 'SimpleRoomCreated';
  data: {
    roomId: string;
    roomType: SimpleRoomType;
    name: string;
    createdBy: string;
    /** Private rooms: the members, creator first. Public rooms: empty. */
    members: string[];
    createdAt: number;
  };
}

/** A user became active in a public room. */
export interface SimpleRoomJoined {
  type: 'SimpleRoomJoined';
  data: { roomId: string; username: string; joinedAt: number };
}

/** Public room: the user is no longer active. Private room: the user gave up membership. */
export interface SimpleRoomLeft {
  type: 'SimpleRoomLeft';
  data: { roomId: string; username: string; at: number };
}

/** An admin deleted a public room. */
export interface SimpleRoomDeleted {
  type: 'SimpleRoomDeleted';
  data: { roomId: string; deletedBy: string; at: number };
}

/** A private room was removed automatically because at most one member was left. */
export interface SimpleRoomRemoved {
  type: 'SimpleRoomRemoved';
  data: { roomId: string; reason: 'too_few_members'; remainingMembers: string[]; at: number };
}

export type SimpleRoomEvent = SimpleRoomCreated | SimpleRoomJoined | SimpleRoomLeft | SimpleRoomDeleted | SimpleRoomRemoved;

export type SimpleRoomEventType = SimpleRoomEvent['type'];
