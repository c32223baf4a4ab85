export type { StoredEventLike, RoomEventEnvelope } from './stored-event.js';
export { asRoomEvent } from './stored-event.js';
export type { SqliteDb, SqliteProjection, ReadAll } from './projection.js';
export { perConnection } from './projection.js';
export type { SqliteProjector, SqliteProjectorOptions, ReplayOptions } from './projector.js';
export { sqliteProjector } from './projector.js';
export type { KeysetPage } from './keyset.js';
export { clampLimit, keysetPage } from './keyset.js';
