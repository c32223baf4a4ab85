import type { SqliteDb } from '../shared/index.js';
import { perConnection } from '../shared/index.js';

export type RoomBadge = 'verified';

export interface RoomDirectoryEntry {
  roomId: string;
  name: string;
  /** `provider:id`, or null for a room created without a token. */
  owner: string | null;
  allowedProviders: string[];
  moderators: string[];
  maxViewers: number | null;
  /** Derived, not stored: `verified` when the room has an owner (it was claimed with a token). */
  badges: RoomBadge[];
  filterEnabled: boolean;
  createdAt: number;
  updatedAt: number;
}

interface RoomRow {
  room_id: string;
  name: string;
  owner: string | null;
  allowed_providers: string;
  moderators: string;
  max_viewers: number | null;
  filter_enabled: number;
  created_at: number;
  updated_at: number;
}

export const badgesOf = (owner: string | null): RoomBadge[] => (owner === null ? [] : ['verified']);

const toEntry = (row: RoomRow): RoomDirectoryEntry => ({
  roomId: row.room_id,
  name: row.name,
  owner: row.owner,
  allowedProviders: JSON.parse(row.allowed_providers) as string[],
  moderators: JSON.parse(row.moderators) as string[],
  maxViewers: row.max_viewers,
  badges: badgesOf(row.owner),
  filterEnabled: row.filter_enabled === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const columns = 'room_id, name, owner, allowed_providers, moderators, max_viewers, filter_enabled, created_at, updated_at';

const statements = perConnection((db) => ({
  byId: db.prepare<[string], RoomRow>(`SELECT ${columns} FROM room_directory WHERE room_id = ?`),
  byOwner: db.prepare<[string], RoomRow>(
    `SELECT ${columns} FROM room_directory WHERE owner = ? ORDER BY created_at DESC, created_position DESC`,
  ),
}));

export function getRoom(db: SqliteDb, roomId: string): RoomDirectoryEntry | undefined {
  const row = statements(db).byId.get(roomId);
  return row === undefined ? undefined : toEntry(row);
}

/** Every room the user owns, newest first (ties broken by log order). */
export function roomsOwnedBy(db: SqliteDb, owner: string): RoomDirectoryEntry[] {
  return statements(db).byOwner.all(owner).map(toEntry);
}
