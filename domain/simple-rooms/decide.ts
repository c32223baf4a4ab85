import type { SimpleRoomEvent } from '@parley/contracts';
import { fail, type Decider, type DomainError } from '../shared/decider.js';
import { isValidUsername } from '../users/rules.js';
import { authorize, usernameKey, viewerOf, type RoomAccess, type RoomOperation, type Viewer } from './access.js';
import type { CreateRoom, SimpleRoomCommand } from './commands.js';
import { privateRoomName } from './private-room-name.js';
import { evolveSimpleRoom, initialSimpleRoomState, type SimpleRoom, type SimpleRoomState } from './state.js';

export const ROOM_NAME_MAX = 100;
/** Not in the reference; it bounds the generated name and every membership check. */
export const PRIVATE_ROOM_MAX_MEMBERS = 100;
/** A private room with this many members or fewer left is removed. */
export const PRIVATE_ROOM_MIN_MEMBERS_TO_LIVE = 2;

function denied(access: Exclude<RoomAccess, 'allowed'>): DomainError {
  switch (access) {
    case 'not_found':
      return fail('not_found', 'Room not found');
    case 'forbidden':
      return fail('forbidden', 'Forbidden');
    case 'unauthenticated':
      // Unreachable through `decide` (a command always has an actor); the edge answers 401 first.
      return fail('forbidden', 'Authentication required');
  }
}

function check(operation: RoomOperation, state: SimpleRoomState, viewer: Viewer): DomainError | null {
  const access = authorize(operation, state, viewer);
  return access === 'allowed' ? null : denied(access);
}

function create(command: CreateRoom, state: SimpleRoomState, viewer: Viewer): SimpleRoomEvent[] | DomainError {
  if (command.roomType !== 'public' && command.roomType !== 'private') return fail('invalid', 'type must be "public" or "private"');
  const refused = check(command.roomType === 'public' ? 'create_public' : 'create_private', state, viewer);
  if (refused) return refused;
  if (state.status !== 'absent') return fail('already_exists', 'room id already used');
  const base = { roomId: command.roomId, createdBy: viewer.username, createdAt: command.at };

  if (command.roomType === 'public') {
    const name = command.name?.trim() ?? '';
    if (name.length === 0 || name.length > ROOM_NAME_MAX) return fail('invalid', `a public room needs a name of 1-${ROOM_NAME_MAX} characters`);
    return [{ type: 'SimpleRoomCreated', data: { ...base, roomType: 'public', name, members: [] } }];
  }

  const listed = command.members ?? [];
  if (listed.length === 0) return fail('invalid', 'a private room needs at least one member');
  if (!listed.every((member) => isValidUsername(member.trim()))) return fail('invalid', 'members must be usernames');
  const members = [...new Set([viewer.username, ...listed.map(usernameKey)])];
  if (members.length > PRIVATE_ROOM_MAX_MEMBERS) return fail('invalid', `a private room has at most ${PRIVATE_ROOM_MAX_MEMBERS} members`);
  return [{ type: 'SimpleRoomCreated', data: { ...base, roomType: 'private', name: privateRoomName(members), members } }];
}

/** Joining twice changes nothing. A private-room member is already active, so their join is a no-op. */
function join(room: SimpleRoom, viewer: Viewer, at: number): SimpleRoomEvent[] {
  if (room.users.some((u) => u.username === viewer.username)) return [];
  return [{ type: 'SimpleRoomJoined', data: { roomId: room.id, username: viewer.username, joinedAt: at } }];
}

/** In a private room leaving gives up membership, and may remove the room. */
function leave(room: SimpleRoom, viewer: Viewer, at: number): SimpleRoomEvent[] {
  if (!room.users.some((u) => u.username === viewer.username) && !room.members.includes(viewer.username)) return [];
  const left: SimpleRoomEvent = { type: 'SimpleRoomLeft', data: { roomId: room.id, username: viewer.username, at } };
  if (room.type === 'public') return [left];
  const remainingMembers = room.members.filter((member) => member !== viewer.username);
  if (remainingMembers.length >= PRIVATE_ROOM_MIN_MEMBERS_TO_LIVE) return [left];
  return [left, { type: 'SimpleRoomRemoved', data: { roomId: room.id, reason: 'too_few_members', remainingMembers, at } }];
}

/**
 * The simple-rooms aggregate (stream `sroom-<roomId>`, `/api/rooms`). Errors carry the
 * reference's wording: `not_found` → 404 "Room not found", `forbidden` → 403 "Forbidden",
 * `invalid` → 400 "Invalid request"; `already_exists` only on a room-id collision (the edge
 * picks a fresh id and retries).
 */
export const simpleRoomDecider: Decider<SimpleRoomCommand, SimpleRoomEvent, SimpleRoomState> = {
  initialState: initialSimpleRoomState,
  evolve: evolveSimpleRoom,
  decide(command, state) {
    if (usernameKey(command.actor) === '') return fail('invalid', 'an actor is required');
    const viewer = viewerOf(command.actor, command.type === 'CreateRoom' || command.type === 'DeleteRoom' ? command.admins : []);
    if (command.type === 'CreateRoom') return create(command, state, viewer);

    const operation = command.type === 'JoinRoom' ? 'join' : command.type === 'LeaveRoom' ? 'leave' : 'delete';
    const refused = check(operation, state, viewer);
    if (refused) return refused;
    if (state.status !== 'open') return fail('not_found', 'Room not found');
    const room = state.room;
    switch (command.type) {
      case 'JoinRoom':
        return join(room, viewer, command.at);
      case 'LeaveRoom':
        return leave(room, viewer, command.at);
      case 'DeleteRoom':
        if (room.type === 'private') return leave(room, viewer, command.at);
        return [{ type: 'SimpleRoomDeleted', data: { roomId: room.id, deletedBy: viewer.username, at: command.at } }];
    }
  },
};
