import type { SimpleRoomState } from '@parley/domain/simple-rooms';
import { perConnection, type SqliteDb } from '../shared/index.js';

const statements = perConnection((db) => ({
  visible: db.prepare<[string], { state: string }>(
    `SELECT state FROM simple_rooms WHERE open = 1 AND type = 'public'
     UNION ALL
     SELECT r.state FROM simple_room_members m JOIN simple_rooms r ON r.room_id = m.room_id
      WHERE m.username = ? AND r.open = 1 AND r.type = 'private'`,
  ),
  publicOnly: db.prepare<[], { state: string }>(`SELECT state FROM simple_rooms WHERE open = 1 AND type = 'public'`),
}));

/**
 * The open rooms a viewer may list: every public room, and the private rooms whose members
 * include `username` (a lowercase username key; null for an anonymous caller). The caller still
 * renders them through the domain's `listRoomViews`, which orders them and applies `canSee`.
 */
export function visibleSimpleRooms(db: SqliteDb, username: string | null): SimpleRoomState[] {
  const s = statements(db);
  const rows = username === null ? s.publicOnly.all() : s.visible.all(username);
  return rows.map((row) => JSON.parse(row.state) as SimpleRoomState);
}
