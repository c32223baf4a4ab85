import type { SqliteProjection } from '../shared/index.js';

/**
 * A worker thread cannot be handed functions, so the projections a worker runs are named by a
 * module: its URL, and the module exports `projections()` building the list.
 */
export interface ProjectionModule {
  projections(): SqliteProjection[];
}

export async function loadProjections(moduleUrl: string): Promise<SqliteProjection[]> {
  const loaded = (await import(moduleUrl)) as Partial<ProjectionModule>;
  if (typeof loaded.projections !== 'function') throw new Error(`${moduleUrl} exports no projections() function`);
  return loaded.projections();
}
