export { roomDirectoryProjection, roomDirectoryTables } from './projection.js';
export type { RoomDirectoryEntry, RoomBadge } from './queries.js';
export { getRoom, roomsOwnedBy, badgesOf } from './queries.js';
