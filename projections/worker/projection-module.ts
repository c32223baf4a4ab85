import type { SqliteProjection } from '../shared/index.js';

/**
 * A worker thread cannot be handed functions, so the projections a worker runs are named by a
 * module: its URL, and the module exports `projections()` building the list.
 */
export interface ProjectionModule {
  projections(): SqliteProjection[];
}

/** The function a module (named by URL, as a worker must) exports under `name`. */
export async function importFunction<F extends (...args: never[]) => unknown>(moduleUrl: string, name: string): Promise<F> {
  const loaded = (await import(moduleUrl)) as Record<string, unknown>;
  const fn = loaded[name];
  if (typeof fn !== 'function') throw new Error(`${moduleUrl} exports no ${name}() function`);
  return fn as F;
}

export async function loadProjections(moduleUrl: string): Promise<SqliteProjection[]> {
  return (await importFunction<ProjectionModule['projections']>(moduleUrl, 'projections'))();
}
