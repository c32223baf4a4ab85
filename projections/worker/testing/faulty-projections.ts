import { roomDirectoryProjection } from '../../room-directory/index.js';
import type { SqliteProjection } from '../../shared/index.js';

/**
 * A ProjectionModule for the worker projector's failure tests: the room directory plus a
 * projection that throws on a `TestBoom` event and ends its thread on a `TestExit` event.
 */
const faulty: SqliteProjection = {
  name: 'faulty',
  version: 1,
  tables: [],
  migrate: () => {},
  apply: (_db, event) => {
    if (event.type === 'TestBoom') throw new Error(`boom at ${event.position}`);
    if (event.type === 'TestExit') process.exit(7);
  },
};

export function projections(): SqliteProjection[] {
  return [roomDirectoryProjection, faulty];
}

export const faultyProjectionsModule: string = import.meta.url;
