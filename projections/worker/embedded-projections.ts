import { auditLogProjection } from '../audit-log/index.js';
import { roomDirectoryProjection } from '../room-directory/index.js';
import type { SqliteProjection } from '../shared/index.js';
import { simpleRoomsProjection } from '../simple-rooms/index.js';
import { timelineProjection, type TimelineOptions } from '../timeline/index.js';

/** The SQLite read models of an api node, with the timeline in the given form. */
export const apiNodeProjections = (timeline: TimelineOptions = {}): SqliteProjection[] => [
  roomDirectoryProjection,
  auditLogProjection,
  timelineProjection(timeline),
  simpleRoomsProjection,
];

/** The read models of an api node without a local event log (a cluster api node): the timeline copies messages. */
export function projections(): SqliteProjection[] {
  return apiNodeProjections();
}

/** A ProjectionModule (load it by URL): `projections()` above. */
export const embeddedProjectionsModule: string = import.meta.url;
