import type { SqliteProjection } from '../shared/index.js';
import { apiNodeProjections } from './embedded-projections.js';

/**
 * The read models of the embedded profile, whose SQLite event store lies beside them: the timeline
 * reads messages from the log instead of copying them (open the read models with `eventLog`).
 */
export function projections(): SqliteProjection[] {
  return apiNodeProjections({ messagesIn: 'log' });
}

/** A ProjectionModule (load it by URL): `projections()` above. */
export const overLogProjectionsModule: string = import.meta.url;
