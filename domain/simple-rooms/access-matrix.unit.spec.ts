import type { SimpleRoomEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { DomainError, fold } from '../shared/decider.js';
import { authorize, viewerOf, type RoomAccess, type RoomOperation, type Viewer } from './access.js';
import type { SimpleRoomCommand } from './commands.js';
import { simpleRoomDecider } from './decide.js';
import { listRoomViews, toRoomUsersView, toRoomView } from './view.js';

/**
 * Every (caller × room type × operation) of /api/rooms in one table. "member" means: joined
 * (public room) or listed member (private room). The admin is not a member of the private room.
 * A cell is the access decision, and for allowed writes the events the decider appends.
 */
const T0 = 1_704_067_200_000;
const ADMINS = ['ryo'];
type Who = 'admin' | 'member' | 'non-member' | 'anonymous';
type Op = 'list' | 'get' | 'users' | 'create' | 'join' | 'leave' | 'delete';
type Cell = RoomAccess | SimpleRoomEvent['type'][];

const callers: Record<Who, Viewer | null> = {
  admin: viewerOf('ryo', ADMINS),
  member: viewerOf('mia', ADMINS),
  'non-member': viewerOf('nora', ADMINS),
  anonymous: null,
};

const rooms = {
  public: fold(simpleRoomDecider, [
    { type: 'SimpleRoomCreated', data: { roomId: 'pub', roomType: 'public', name: 'General', createdBy: 'ryo', members: [], createdAt: T0 } },
    { type: 'SimpleRoomJoined', data: { roomId: 'pub', username: 'mia', joinedAt: T0 + 1 } },
  ]),
  private: fold(simpleRoomDecider, [
    { type: 'SimpleRoomCreated', data: { roomId: 'priv', roomType: 'private', name: '@mia, @bob, @carol', createdBy: 'mia', members: ['mia', 'bob', 'carol'], createdAt: T0 } },
  ]),
};

//                 list         get          users        create                 join                 leave               delete
const matrix: Record<'public' | 'private', Record<Who, Record<Op, Cell>>> = {
  public: {
    admin: /*      */ { list: 'allowed', get: 'allowed', users: 'allowed', create: ['SimpleRoomCreated'], join: ['SimpleRoomJoined'], leave: [], delete: ['SimpleRoomDeleted'] },
    member: /*     */ { list: 'allowed', get: 'allowed', users: 'allowed', create: 'forbidden', join: [], leave: ['SimpleRoomLeft'], delete: 'forbidden' },
    'non-member': /**/ { list: 'allowed', get: 'allowed', users: 'allowed', create: 'forbidden', join: ['SimpleRoomJoined'], leave: [], delete: 'forbidden' },
    anonymous: /*  */ { list: 'allowed', get: 'allowed', users: 'allowed', create: 'unauthenticated', join: 'unauthenticated', leave: 'unauthenticated', delete: 'unauthenticated' },
  },
  private: {
    admin: /*      */ { list: 'not_found', get: 'not_found', users: 'not_found', create: ['SimpleRoomCreated'], join: 'not_found', leave: 'not_found', delete: 'not_found' },
    member: /*     */ { list: 'allowed', get: 'allowed', users: 'allowed', create: ['SimpleRoomCreated'], join: [], leave: ['SimpleRoomLeft'], delete: ['SimpleRoomLeft'] },
    'non-member': /**/ { list: 'not_found', get: 'not_found', users: 'not_found', create: ['SimpleRoomCreated'], join: 'not_found', leave: 'not_found', delete: 'not_found' },
    anonymous: /*  */ { list: 'not_found', get: 'not_found', users: 'not_found', create: 'unauthenticated', join: 'unauthenticated', leave: 'unauthenticated', delete: 'unauthenticated' },
  },
};

function commandFor(op: Op, roomType: 'public' | 'private', viewer: Viewer): SimpleRoomCommand {
  const actor = viewer.username;
  switch (op) {
    case 'create':
      return roomType === 'public'
        ? { type: 'CreateRoom', roomId: 'new', roomType, name: 'New', actor, admins: ADMINS, at: T0 + 10 }
        : { type: 'CreateRoom', roomId: 'new', roomType, members: ['bob'], actor, admins: ADMINS, at: T0 + 10 };
    case 'join':
      return { type: 'JoinRoom', actor, at: T0 + 10 };
    case 'leave':
      return { type: 'LeaveRoom', actor, at: T0 + 10 };
    default:
      return { type: 'DeleteRoom', actor, admins: ADMINS, at: T0 + 10 };
  }
}

const operationOf = (op: Op, roomType: 'public' | 'private'): RoomOperation => (op === 'create' ? (roomType === 'public' ? 'create_public' : 'create_private') : op);

const rows = (Object.keys(matrix) as ('public' | 'private')[]).flatMap((roomType) =>
  (Object.keys(matrix[roomType]) as Who[]).flatMap((who) => (Object.keys(matrix[roomType][who]) as Op[]).map((op) => ({ roomType, who, op, cell: matrix[roomType][who][op] }))),
);

describe('simple rooms access matrix', () => {
  it('covers 4 callers × 2 room types × 7 operations', () => {
    expect(rows).toHaveLength(56);
  });

  it.each(rows)('$roomType room, $who, $op → $cell', ({ roomType, who, op, cell }) => {
    const viewer = callers[who];
    const expectedAccess: RoomAccess = Array.isArray(cell) ? 'allowed' : cell;
    const state = op === 'create' ? simpleRoomDecider.initialState : rooms[roomType];
    expect(authorize(operationOf(op, roomType), state, viewer)).toBe(expectedAccess);

    const roomId = roomType === 'public' ? 'pub' : 'priv';
    if (op === 'get') expect(toRoomView(state, viewer) !== null).toBe(expectedAccess === 'allowed');
    if (op === 'users') expect(toRoomUsersView(state, viewer) !== null).toBe(expectedAccess === 'allowed');
    if (op === 'list') expect(listRoomViews([rooms.public, rooms.private], viewer).some((r) => r.id === roomId)).toBe(expectedAccess === 'allowed');
    if (op === 'list' || op === 'get' || op === 'users' || viewer === null) return;

    const outcome = simpleRoomDecider.decide(commandFor(op, roomType, viewer), state);
    if (Array.isArray(cell)) {
      expect(outcome).not.toBeInstanceOf(DomainError);
      expect((outcome as SimpleRoomEvent[]).map((e) => e.type)).toEqual(cell);
    } else {
      expect(outcome).toBeInstanceOf(DomainError);
      expect((outcome as DomainError).code).toBe(cell);
    }
  });
});
