import { auditLogProjection } from '../audit-log/index.js';
import { roomDirectoryProjection } from '../room-directory/index.js';
import type { SqliteProjection } from '../shared/index.js';
import { simpleRoomsProjection } from '../simple-rooms/index.js';
import { timelineProjection } from '../timeline/index.js';

/** The SQLite read models of an api node (a ProjectionModule: load it by `embeddedProjectionsModule`). */
export function projections(): SqliteProjection[] {
  return [roomDirectoryProjection, auditLogProjection, timelineProjection(), simpleRoomsProjection];
}

export const embeddedProjectionsModule: string = import.meta.url;
