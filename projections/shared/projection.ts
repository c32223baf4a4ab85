import type BetterSqlite3 from 'better-sqlite3';
import type { StoredEventLike } from './stored-event.js';

/** A better-sqlite3 connection. Projections take it as a parameter; they never open one. */
export type SqliteDb = BetterSqlite3.Database;

/**
 * A read model kept in SQLite.
 * `apply` must be a deterministic function of the event and the projection's own tables (no
 * clock, no randomness), so a replay of the log rebuilds identical rows.
 */
export interface SqliteProjection {
  readonly name: string;
  /** Change it whenever the schema or the meaning of `apply` changes: the projector then rebuilds at start. */
  readonly version: number | string;
  /** Every table the projection owns; a rebuild drops them (indexes go with them). */
  readonly tables: readonly string[];
  /** Tables an earlier form of the projection owned and this one does not: a rebuild drops them too. */
  readonly retiredTables?: readonly string[];
  /** Creates the tables if they are missing (must be safe to run again). */
  migrate(db: SqliteDb): void;
  /** Writes the event's effect. Runs inside the projector's transaction. */
  apply(db: SqliteDb, event: StoredEventLike): void;
  /**
   * Optional: writes the effect of several events, in position order, inside one transaction, as
   * `apply` on each would. For a projection that can write once per batch what `apply` would write
   * once per event (the last state of a row many events touch).
   */
  applyBatch?(db: SqliteDb, events: readonly StoredEventLike[]): void;
}

/** Reads the log after a position, in position order, at most `limit` events (the store's `readAll`). */
export type ReadAll = (afterPosition: number, limit: number) => Promise<readonly StoredEventLike[]> | readonly StoredEventLike[];

/**
 * Prepared statements built once per connection. Statements survive a rebuild's DROP/CREATE
 * because SQLite re-prepares them when the schema changes.
 */
export function perConnection<T>(build: (db: SqliteDb) => T): (db: SqliteDb) => T {
  const cache = new WeakMap<SqliteDb, T>();
  return (db) => {
    let value = cache.get(db);
    if (value === undefined) {
      value = build(db);
      cache.set(db, value);
    }
    return value;
  };
}
