import type { SqliteDb, SqliteProjection } from '../shared/index.js';
import { sqliteProjector } from '../shared/index.js';
import { streamsOf, type ReadModelProjector } from './read-model-projector.js';

export interface InlineProjectorOptions {
  db: SqliteDb;
  projections: readonly SqliteProjection[];
  /** Called after each commit, before waiters of its position are settled. */
  onApplied?: (streams: readonly string[]) => void;
}

/** The read-model projector on the calling thread: `applyBatch` has committed when it returns (or throws). */
export function inlineProjector({ db, projections, onApplied }: InlineProjectorOptions): ReadModelProjector {
  const projector = sqliteProjector({ db, projections, onCommit: onApplied && ((events) => onApplied(streamsOf(events))) });
  return {
    resetAtStart: projector.resetAtStart,
    applyBatch(events) {
      projector.applyBatch(events);
    },
    position: () => projector.position(),
    positionOf: (name) => projector.positionOf(name),
    waitFor: (target, timeoutMs) => projector.waitFor(target, timeoutMs),
    catchUp: (readAll, options) => projector.catchUp(readAll, options),
    rebuild: (name, readAll, options) => projector.rebuild(name, readAll, options),
    failure: () => null,
    async close() {
      projector.close();
    },
  };
}
