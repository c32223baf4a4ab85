import type { RoomCreated, RoomUpdated } from '@parley/contracts';
import { asRoomEvent, perConnection, type SqliteDb, type SqliteProjection, type StoredEventLike } from '../shared/index.js';

/*
 * One row per room, shaped for the stream-rooms REST reads. Credentials (API key hashes, webhook
 * secrets) and the filter word list never enter this table.
 */
export const roomDirectoryTables = ['room_directory'] as const;

function migrate(db: SqliteDb): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS room_directory (
      room_id           TEXT PRIMARY KEY,
      name              TEXT NOT NULL,
      owner             TEXT,
      allowed_providers TEXT NOT NULL,
      moderators        TEXT NOT NULL,
      max_viewers       INTEGER,
      filter_enabled    INTEGER NOT NULL,
      created_at        INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL,
      created_position  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS room_directory_by_owner ON room_directory (owner, created_at DESC, created_position DESC);
  `);
}

const statements = perConnection((db) => ({
  insert: db.prepare(
    `INSERT INTO room_directory (room_id, name, owner, allowed_providers, moderators, max_viewers, filter_enabled, created_at, updated_at, created_position)
     VALUES (@roomId, @name, @owner, @allowedProviders, '[]', @maxViewers, 0, @createdAt, @createdAt, @position)
     ON CONFLICT(room_id) DO NOTHING`,
  ),
  // One statement for every partial update: a `has*` flag says whether the field is in the event
  // (maxViewers may be set to null on purpose, so NULL cannot mean "unchanged").
  update: db.prepare(
    `UPDATE room_directory SET
       name              = CASE WHEN @hasName THEN @name ELSE name END,
       allowed_providers = CASE WHEN @hasAllowedProviders THEN @allowedProviders ELSE allowed_providers END,
       moderators        = CASE WHEN @hasModerators THEN @moderators ELSE moderators END,
       max_viewers       = CASE WHEN @hasMaxViewers THEN @maxViewers ELSE max_viewers END,
       filter_enabled    = CASE WHEN @hasFilterEnabled THEN @filterEnabled ELSE filter_enabled END,
       updated_at        = @updatedAt
     WHERE room_id = @roomId`,
  ),
}));

function created(db: SqliteDb, data: RoomCreated['data'], position: number): void {
  statements(db).insert.run({
    roomId: data.roomId,
    name: data.name,
    owner: data.owner,
    allowedProviders: JSON.stringify(data.allowedProviders),
    maxViewers: data.maxViewers,
    createdAt: data.createdAt,
    position,
  });
}

const flag = (present: boolean) => (present ? 1 : 0);

function updated(db: SqliteDb, roomId: string, data: RoomUpdated['data']): void {
  statements(db).update.run({
    roomId,
    hasName: flag(data.name !== undefined),
    name: data.name ?? null,
    hasAllowedProviders: flag(data.allowedProviders !== undefined),
    allowedProviders: JSON.stringify(data.allowedProviders ?? []),
    hasModerators: flag(data.moderators !== undefined),
    moderators: JSON.stringify(data.moderators ?? []),
    hasMaxViewers: flag(data.maxViewers !== undefined),
    maxViewers: data.maxViewers ?? null,
    hasFilterEnabled: flag(data.filterEnabled !== undefined),
    filterEnabled: flag(data.filterEnabled === true),
    updatedAt: data.updatedAt,
  });
}

function apply(db: SqliteDb, stored: StoredEventLike): void {
  const room = asRoomEvent(stored);
  if (room === undefined) return;
  const { event } = room;
  if (event.type === 'RoomCreated') created(db, event.data, room.position);
  else if (event.type === 'RoomUpdated') updated(db, room.roomId, event.data);
}

export const roomDirectoryProjection: SqliteProjection = {
  name: 'room-directory',
  version: 1,
  tables: roomDirectoryTables,
  migrate,
  apply,
};
