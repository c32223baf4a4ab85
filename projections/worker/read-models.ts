import Database from 'better-sqlite3';
import type { SqliteDb } from '../shared/index.js';
import { attachEventLog } from '../timeline/index.js';
import { inlineProjector } from './inline-projector.js';
import { loadProjections } from './projection-module.js';
import type { LogSource } from './protocol.js';
import type { ReadModelProjector } from './read-model-projector.js';
import { workerProjector } from './worker-projector.js';

export interface SqliteReadModelsOptions {
  file: string;
  /** URL of a ProjectionModule (e.g. `embeddedProjectionsModule`). */
  projectionsModule: string;
  /** `worker` (default): batches are applied in a worker thread; `inline`: on this thread, within `applyBatch`. */
  thread?: 'worker' | 'inline';
  onApplied?: (streams: readonly string[]) => void;
  /** Worker only: the log live batches come from, read by the worker itself (see `LogSource`). */
  log?: LogSource;
  /** Worker only: least time between live commits (see `WorkerProjectorOptions`). */
  liveCommitIntervalMs?: number;
  /** Worker only: called once when the projector stops applying batches. */
  onFailure?: (error: Error) => void;
  /**
   * The SQLite event store's file, for read models whose timeline reads messages from the log
   * (`overLogProjectionsModule`): attached to the projector's connection and the one queries use.
   */
  eventLog?: string;
}

export interface SqliteReadModels {
  /** The connection queries use (read-only when the projector runs in a worker). */
  db: SqliteDb;
  projector: ReadModelProjector;
  /** Closes the projector, then the read connection. */
  close(): Promise<void>;
}

function openWritable(file: string): SqliteDb {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

const readModels = (db: SqliteDb, projector: ReadModelProjector): SqliteReadModels => ({
  db,
  projector,
  async close() {
    await projector.close();
    db.close();
  },
});

/**
 * Opens an api node's SQLite read models: the projector that keeps them and the connection that
 * reads them. In a worker, the worker creates and migrates the file before the read-only
 * connection opens it (WAL lets it read while the worker writes).
 */
export async function openSqliteReadModels(options: SqliteReadModelsOptions): Promise<SqliteReadModels> {
  if (options.thread === 'inline') {
    const db = openWritable(options.file);
    if (options.eventLog !== undefined) attachEventLog(db, options.eventLog);
    const projector = inlineProjector({ db, projections: await loadProjections(options.projectionsModule), onApplied: options.onApplied });
    return readModels(db, projector);
  }
  const projector = await workerProjector(options);
  let db: SqliteDb | undefined;
  try {
    db = new Database(options.file, { readonly: true, fileMustExist: true });
    if (options.eventLog !== undefined) attachEventLog(db, options.eventLog);
    return readModels(db, projector);
  } catch (error) {
    db?.close();
    await projector.close();
    throw error;
  }
}
