/**
 * The read-model projector of an api node, in a worker thread (default) or on the main thread,
 * and the SQLite read models it keeps. Sub-path: `@parley/projections/worker`.
 */
export type { ReadModelProjector } from './read-model-projector.js';
export type { ProjectionModule } from './projection-module.js';
export type { WorkerProjectorOptions } from './worker-projector.js';
export { workerProjector } from './worker-projector.js';
export type { InlineProjectorOptions } from './inline-projector.js';
export { inlineProjector } from './inline-projector.js';
export type { SqliteReadModels, SqliteReadModelsOptions } from './read-models.js';
export { openSqliteReadModels } from './read-models.js';
export { apiNodeProjections, embeddedProjectionsModule, projections as embeddedProjections } from './embedded-projections.js';
export { overLogProjectionsModule } from './over-log-projections.js';
