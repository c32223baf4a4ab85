import Database from 'better-sqlite3';
import { simpleRoomStream, type SimpleRoomEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { sqliteProjector, type StoredEventLike } from '../shared/index.js';
import { dumpTables } from '../testing/index.js';
import { simpleRoomsProjection, simpleRoomsTables, visibleSimpleRooms } from './index.js';

const T0 = 1_704_067_200_000;

function simpleRoomLog() {
  const events: StoredEventLike[] = [];
  const revisions = new Map<string, number>();
  const append = (roomId: string, event: SimpleRoomEvent) => {
    const stream = simpleRoomStream(roomId);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    events.push({ id: `e${events.length + 1}`, stream, revision, position: events.length + 1, type: event.type, data: structuredClone(event.data), metadata: {}, recordedAt: T0 });
  };
  // Noise from other streams is ignored.
  events.push({ id: 'x', stream: 'room-abc', revision: 0, position: 1, type: 'RoomCreated', data: {}, metadata: {}, recordedAt: T0 });
  append('general', { type: 'SimpleRoomCreated', data: { roomId: 'general', roomType: 'public', name: 'General', createdBy: 'ryo', members: [], createdAt: T0 } });
  append('general', { type: 'SimpleRoomJoined', data: { roomId: 'general', username: 'alice', joinedAt: T0 + 1 } });
  append('trio', { type: 'SimpleRoomCreated', data: { roomId: 'trio', roomType: 'private', name: '@alice, @bob, @carol', createdBy: 'alice', members: ['alice', 'bob', 'carol'], createdAt: T0 + 2 } });
  append('trio', { type: 'SimpleRoomLeft', data: { roomId: 'trio', username: 'carol', at: T0 + 3 } });
  append('pair', { type: 'SimpleRoomCreated', data: { roomId: 'pair', roomType: 'private', name: '@bob, @dave', createdBy: 'bob', members: ['bob', 'dave'], createdAt: T0 + 4 } });
  append('pair', { type: 'SimpleRoomLeft', data: { roomId: 'pair', username: 'dave', at: T0 + 5 } });
  append('pair', { type: 'SimpleRoomRemoved', data: { roomId: 'pair', reason: 'too_few_members', remainingMembers: ['bob'], at: T0 + 5 } });
  append('gone', { type: 'SimpleRoomCreated', data: { roomId: 'gone', roomType: 'public', name: 'Gone', createdBy: 'ryo', members: [], createdAt: T0 + 6 } });
  append('gone', { type: 'SimpleRoomDeleted', data: { roomId: 'gone', deletedBy: 'ryo', at: T0 + 7 } });
  return events;
}

const ids = (states: ReturnType<typeof visibleSimpleRooms>) => states.map((s) => (s.status === 'absent' ? null : s.room.id)).sort();

describe('simple-rooms projection', () => {
  const events = simpleRoomLog();
  const db = new Database(':memory:');
  sqliteProjector({ db, projections: [simpleRoomsProjection] }).applyBatch(events);

  it('lists open public rooms to everyone and open private rooms to their current members only', () => {
    expect(ids(visibleSimpleRooms(db, null))).toEqual(['general']);
    expect(ids(visibleSimpleRooms(db, 'alice'))).toEqual(['general', 'trio']);
    expect(ids(visibleSimpleRooms(db, 'bob'))).toEqual(['general', 'trio']);
    expect(ids(visibleSimpleRooms(db, 'carol'))).toEqual(['general']);
    expect(ids(visibleSimpleRooms(db, 'dave'))).toEqual(['general']);
  });

  it('holds the domain state of each room', () => {
    const trio = visibleSimpleRooms(db, 'alice').find((s) => s.status === 'open' && s.room.id === 'trio');
    expect(trio).toMatchObject({ status: 'open', room: { members: ['alice', 'bob'], users: [{ username: 'alice' }, { username: 'bob' }] } });
    const general = visibleSimpleRooms(db, null)[0];
    expect(general).toMatchObject({ status: 'open', room: { users: [{ username: 'alice', joinedAt: T0 + 1 }] } });
  });

  it('is idempotent and rebuildable: a replay, in one batch or event by event, gives identical rows', () => {
    const again = new Database(':memory:');
    const projector = sqliteProjector({ db: again, projections: [simpleRoomsProjection] });
    for (const e of events) projector.applyBatch([e]);
    projector.applyBatch(events);
    expect(dumpTables(again, simpleRoomsTables)).toEqual(dumpTables(db, simpleRoomsTables));
  });
});
