/**
 * SQLite read models and the projector that keeps them.
 * Sub-paths: `@parley/projections/shared`, `/room-directory`, `/audit-log`, `/timeline`.
 */
export * from './shared/index.js';
export * from './room-directory/index.js';
export * from './audit-log/index.js';
export * from './timeline/index.js';
