import type { SimpleRoomEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { deciderSpec } from '../shared/spec.js';
import { viewerOf } from './access.js';
import type { CreateRoom } from './commands.js';
import { PRIVATE_ROOM_MAX_MEMBERS, simpleRoomDecider } from './decide.js';
import { listRoomViews, toRoomUsersView, toRoomView } from './view.js';

const spec = deciderSpec(simpleRoomDecider);
const T0 = 1_704_067_200_000;
const ADMINS = ['ryo'];

const createPublic: CreateRoom = { type: 'CreateRoom', roomId: 'general', roomType: 'public', name: 'General Chat', actor: 'ryo', admins: ADMINS, at: T0 };
const createPrivate: CreateRoom = { type: 'CreateRoom', roomId: 'abc123', roomType: 'private', members: ['alice', 'bob'], actor: 'alice', admins: ADMINS, at: T0 };

const publicCreated: SimpleRoomEvent = {
  type: 'SimpleRoomCreated',
  data: { roomId: 'general', roomType: 'public', name: 'General Chat', createdBy: 'ryo', members: [], createdAt: T0 },
};
const privateCreated = (members: string[]): SimpleRoomEvent => ({
  type: 'SimpleRoomCreated',
  data: { roomId: 'abc123', roomType: 'private', name: members.map((m) => `@${m}`).join(', '), createdBy: members[0]!, members, createdAt: T0 },
});
const joined = (username: string, joinedAt: number, roomId = 'general'): SimpleRoomEvent => ({ type: 'SimpleRoomJoined', data: { roomId, username, joinedAt } });
const left = (username: string, at: number, roomId = 'general'): SimpleRoomEvent => ({ type: 'SimpleRoomLeft', data: { roomId, username, at } });

describe('creating rooms', () => {
  it('an admin creates a public room', () => {
    spec.given([]).when(createPublic).then([publicCreated]);
  });

  it('admins are matched case-insensitively and the name is trimmed', () => {
    spec.given([]).when({ ...createPublic, actor: 'Ryo', name: '  General Chat ' }).then([publicCreated]);
  });

  it('a public room needs a name', () => {
    spec.given([]).when({ ...createPublic, name: undefined }).thenFails('invalid');
    spec.given([]).when({ ...createPublic, name: '   ' }).thenFails('invalid');
    spec.given([]).when({ ...createPublic, name: 'x'.repeat(101) }).thenFails('invalid');
  });

  it('refuses an unknown room type', () => {
    spec.given([]).when({ ...createPublic, roomType: 'secret' }).thenFails('invalid');
  });

  it('a private room: creator first, names lowercased and deduplicated, name generated, body name ignored', () => {
    spec.given([]).when(createPrivate).then([privateCreated(['alice', 'bob'])]);
    spec.given([]).when({ ...createPrivate, actor: 'bob', members: ['Alice', 'alice', 'carol'], name: 'ignored' }).then([privateCreated(['bob', 'alice', 'carol'])]);
  });

  it('the example of the reference: alice creates with [alice, bob] → "@alice, @bob", userCount 2', () => {
    const state = fold(simpleRoomDecider, simpleRoomDecider.decide(createPrivate, simpleRoomDecider.initialState) as SimpleRoomEvent[]);
    expect(toRoomView(state, viewerOf('alice', ADMINS))).toEqual({ id: 'abc123', name: '@alice, @bob', type: 'private', members: ['alice', 'bob'], createdAt: T0, userCount: 2 });
  });

  it('a private room needs at least one listed member, each a username', () => {
    spec.given([]).when({ ...createPrivate, members: [] }).thenFails('invalid');
    spec.given([]).when({ ...createPrivate, members: undefined }).thenFails('invalid');
    spec.given([]).when({ ...createPrivate, members: ['bob', 'not a name'] }).thenFails('invalid');
    spec.given([]).when({ ...createPrivate, members: ['alice'] }).then([privateCreated(['alice'])]);
  });

  it('bounds the member list', () => {
    const many = Array.from({ length: PRIVATE_ROOM_MAX_MEMBERS }, (_, i) => `user${i}`);
    spec.given([]).when({ ...createPrivate, members: many }).thenFails('invalid');
    expect(simpleRoomDecider.decide({ ...createPrivate, members: many.slice(1) }, simpleRoomDecider.initialState)).toHaveLength(1);
  });

  it('refuses a room id that was already used, even after deletion', () => {
    spec.given([publicCreated]).when(createPublic).thenFails('already_exists');
    spec.given([publicCreated, { type: 'SimpleRoomDeleted', data: { roomId: 'general', deletedBy: 'ryo', at: T0 + 1 } }]).when(createPublic).thenFails('already_exists');
  });
});

describe('public rooms: join, leave, delete', () => {
  it('anyone joins; joining twice changes nothing', () => {
    spec.given([publicCreated]).when({ type: 'JoinRoom', actor: 'Alice', at: T0 + 5 }).then([joined('alice', T0 + 5)]);
    spec.given([publicCreated, joined('alice', T0 + 5)]).when({ type: 'JoinRoom', actor: 'alice', at: T0 + 9 }).then([]);
  });

  it('leave ends presence; leaving when not present changes nothing', () => {
    spec.given([publicCreated, joined('alice', T0 + 5)]).when({ type: 'LeaveRoom', actor: 'alice', at: T0 + 9 }).then([left('alice', T0 + 9)]);
    spec.given([publicCreated]).when({ type: 'LeaveRoom', actor: 'alice', at: T0 + 9 }).then([]);
  });

  it('active users keep their first joinedAt and the order they joined in', () => {
    const state = fold(simpleRoomDecider, [publicCreated, joined('alice', T0 + 5), joined('bob', T0 + 7), joined('alice', T0 + 8), left('bob', T0 + 9), joined('bob', T0 + 10)]);
    expect(toRoomUsersView(state, null)).toEqual([
      { username: 'alice', joinedAt: T0 + 5 },
      { username: 'bob', joinedAt: T0 + 10 },
    ]);
    expect(toRoomView(state, null)).toEqual({ id: 'general', name: 'General Chat', type: 'public', createdAt: T0, userCount: 2 });
  });

  it('only an admin deletes, and a deleted room is gone for everyone', () => {
    spec.given([publicCreated]).when({ type: 'DeleteRoom', actor: 'alice', admins: ADMINS, at: T0 + 1 }).thenFails('forbidden');
    const deleted: SimpleRoomEvent = { type: 'SimpleRoomDeleted', data: { roomId: 'general', deletedBy: 'ryo', at: T0 + 1 } };
    spec.given([publicCreated]).when({ type: 'DeleteRoom', actor: 'ryo', admins: ADMINS, at: T0 + 1 }).then([deleted]);
    spec.given([publicCreated, deleted]).when({ type: 'JoinRoom', actor: 'alice', at: T0 + 2 }).thenFails('not_found');
    spec.given([publicCreated, deleted]).when({ type: 'DeleteRoom', actor: 'ryo', admins: ADMINS, at: T0 + 2 }).thenFails('not_found');
    expect(toRoomView(fold(simpleRoomDecider, [publicCreated, deleted]), viewerOf('ryo', ADMINS))).toBeNull();
  });

  it('operations on a room that never existed are not_found', () => {
    spec.given([]).when({ type: 'JoinRoom', actor: 'alice', at: T0 }).thenFails('not_found');
    spec.given([]).when({ type: 'LeaveRoom', actor: 'alice', at: T0 }).thenFails('not_found');
    spec.given([]).when({ type: 'DeleteRoom', actor: 'ryo', admins: ADMINS, at: T0 }).thenFails('not_found');
  });

  it('a command without an actor is invalid', () => {
    spec.given([publicCreated]).when({ type: 'JoinRoom', actor: '  ', at: T0 }).thenFails('invalid');
  });
});

describe('private rooms: membership and automatic removal', () => {
  const trio = privateCreated(['alice', 'bob', 'carol']);

  it("a member's join is a no-op (members are active from creation)", () => {
    spec.given([trio]).when({ type: 'JoinRoom', actor: 'bob', at: T0 + 1 }).then([]);
    expect(toRoomUsersView(fold(simpleRoomDecider, [trio]), viewerOf('bob', []))).toEqual([
      { username: 'alice', joinedAt: T0 },
      { username: 'bob', joinedAt: T0 },
      { username: 'carol', joinedAt: T0 },
    ]);
  });

  it('leaving gives up membership while two or more remain', () => {
    spec.given([trio]).when({ type: 'LeaveRoom', actor: 'carol', at: T0 + 1 }).then([left('carol', T0 + 1, 'abc123')]);
    const state = fold(simpleRoomDecider, [trio, left('carol', T0 + 1, 'abc123')]);
    expect(toRoomView(state, viewerOf('alice', []))).toMatchObject({ members: ['alice', 'bob'], userCount: 2, name: '@alice, @bob, @carol' });
    expect(toRoomView(state, viewerOf('carol', []))).toBeNull();
  });

  it('the room is removed when at most one member is left', () => {
    const removed: SimpleRoomEvent = { type: 'SimpleRoomRemoved', data: { roomId: 'abc123', reason: 'too_few_members', remainingMembers: ['alice'], at: T0 + 2 } };
    spec.given([privateCreated(['alice', 'bob'])]).when({ type: 'LeaveRoom', actor: 'bob', at: T0 + 2 }).then([left('bob', T0 + 2, 'abc123'), removed]);
    const state = fold(simpleRoomDecider, [privateCreated(['alice', 'bob']), left('bob', T0 + 2, 'abc123'), removed]);
    expect(state.status).toBe('closed');
    expect(toRoomView(state, viewerOf('alice', []))).toBeNull();
    spec.given([privateCreated(['alice', 'bob']), left('bob', T0 + 2, 'abc123'), removed]).when({ type: 'LeaveRoom', actor: 'alice', at: T0 + 3 }).thenFails('not_found');
  });

  it("a member's delete is a leave, with the same automatic removal", () => {
    spec.given([trio]).when({ type: 'DeleteRoom', actor: 'bob', admins: ADMINS, at: T0 + 1 }).then([left('bob', T0 + 1, 'abc123')]);
    spec
      .given([privateCreated(['alice', 'bob'])])
      .when({ type: 'DeleteRoom', actor: 'alice', admins: ADMINS, at: T0 + 1 })
      .then([left('alice', T0 + 1, 'abc123'), { type: 'SimpleRoomRemoved', data: { roomId: 'abc123', reason: 'too_few_members', remainingMembers: ['bob'], at: T0 + 1 } }]);
  });

  it('a room of the creator alone is removed when the creator leaves', () => {
    spec
      .given([privateCreated(['alice'])])
      .when({ type: 'LeaveRoom', actor: 'alice', at: T0 + 1 })
      .then([left('alice', T0 + 1, 'abc123'), { type: 'SimpleRoomRemoved', data: { roomId: 'abc123', reason: 'too_few_members', remainingMembers: [], at: T0 + 1 } }]);
  });

  it('a former member cannot come back', () => {
    spec.given([trio, left('carol', T0 + 1, 'abc123')]).when({ type: 'JoinRoom', actor: 'carol', at: T0 + 2 }).thenFails('not_found');
  });
});

describe('listing', () => {
  it('public rooms plus the private rooms of the viewer, oldest first; the shapes of the reference', () => {
    const other: SimpleRoomEvent = {
      type: 'SimpleRoomCreated',
      data: { roomId: 'zzz', roomType: 'private', name: '@carol, @dave', createdBy: 'carol', members: ['carol', 'dave'], createdAt: T0 - 10 },
    };
    const states = [fold(simpleRoomDecider, [privateCreated(['alice', 'bob'])]), fold(simpleRoomDecider, [other]), fold(simpleRoomDecider, [publicCreated, joined('x', T0 + 1)])];
    expect(listRoomViews(states, viewerOf('bob', []))).toEqual([
      { id: 'abc123', name: '@alice, @bob', type: 'private', members: ['alice', 'bob'], createdAt: T0, userCount: 2 },
      { id: 'general', name: 'General Chat', type: 'public', createdAt: T0, userCount: 1 },
    ]);
    expect(listRoomViews(states, null).map((r) => r.id)).toEqual(['general']);
    expect(listRoomViews(states, viewerOf('dave', [])).map((r) => r.id)).toEqual(['zzz', 'general']);
    expect(Object.keys(listRoomViews(states, viewerOf('bob', []))[0]!)).toEqual(['id', 'name', 'type', 'members', 'createdAt', 'userCount']);
    expect(Object.keys(listRoomViews(states, null)[0]!)).toEqual(['id', 'name', 'type', 'createdAt', 'userCount']);
  });
});
