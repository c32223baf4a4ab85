import { simpleRoomIdOfStream, type SimpleRoomEvent, type SimpleRoomEventType } from '@parley/contracts';
import { evolveSimpleRoom, initialSimpleRoomState, type SimpleRoomState } from '@parley/domain/simple-rooms';
import { perConnection, type SqliteDb, type SqliteProjection, type StoredEventLike } from '../shared/index.js';

/*
 * The directory behind `GET /api/rooms`: one row per simple room holding the domain's own state
 * (so the list is rendered by the same `listRoomViews` as every other read), plus one row per
 * private-room member so "the private rooms of alice" is an index lookup.
 */
export const simpleRoomsTables = ['simple_rooms', 'simple_room_members'] as const;

function migrate(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS simple_rooms (
      room_id    TEXT PRIMARY KEY,
      type       TEXT NOT NULL,
      open       INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      state      TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS simple_rooms_open_by_type ON simple_rooms (open, type, created_at);
    CREATE TABLE IF NOT EXISTS simple_room_members (
      username TEXT NOT NULL,
      room_id  TEXT NOT NULL,
      PRIMARY KEY (username, room_id)
    ) WITHOUT ROWID;
  `);
}

const simpleRoomEventTypes: ReadonlySet<string> = new Set<SimpleRoomEventType>([
  'SimpleRoomCreated',
  'SimpleRoomJoined',
  'SimpleRoomLeft',
  'SimpleRoomDeleted',
  'SimpleRoomRemoved',
]);

const statements = perConnection((db) => ({
  read: db.prepare<[string], { state: string }>('SELECT state FROM simple_rooms WHERE room_id = ?'),
  write: db.prepare<[string, string, number, number, string]>(
    `INSERT INTO simple_rooms (room_id, type, open, created_at, state) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(room_id) DO UPDATE SET type = excluded.type, open = excluded.open, created_at = excluded.created_at, state = excluded.state`,
  ),
  forgetMembers: db.prepare<[string]>('DELETE FROM simple_room_members WHERE room_id = ?'),
  addMember: db.prepare<[string, string]>('INSERT OR IGNORE INTO simple_room_members (username, room_id) VALUES (?, ?)'),
}));

function apply(db: SqliteDb, stored: StoredEventLike): void {
  const roomId = simpleRoomIdOfStream(stored.stream);
  if (roomId === undefined || !simpleRoomEventTypes.has(stored.type)) return;
  const s = statements(db);
  const row = s.read.get(roomId);
  const before: SimpleRoomState = row ? (JSON.parse(row.state) as SimpleRoomState) : initialSimpleRoomState;
  const after = evolveSimpleRoom(before, { type: stored.type, data: stored.data } as SimpleRoomEvent);
  if (after === before || after.status === 'absent') return;
  const { room } = after;
  s.write.run(roomId, room.type, after.status === 'open' ? 1 : 0, room.createdAt, JSON.stringify(after));
  s.forgetMembers.run(roomId);
  if (after.status === 'open' && room.type === 'private') for (const member of room.members) s.addMember.run(member, roomId);
}

export const simpleRoomsProjection: SqliteProjection = {
  name: 'simple-rooms',
  version: 1,
  tables: simpleRoomsTables,
  migrate,
  apply,
};
