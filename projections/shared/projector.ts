import type { ReadAll, SqliteDb, SqliteProjection } from './projection.js';
import { PositionWaiters } from './position-waiters.js';
import type { StoredEventLike } from './stored-event.js';

export interface SqliteProjectorOptions {
  db: SqliteDb;
  projections: readonly SqliteProjection[];
  /**
   * Called right after each transaction commits (live batches and replay pages alike), before
   * pending `waitFor` calls are settled, with the batch's events in position order.
   */
  onCommit?: (events: readonly StoredEventLike[]) => void;
}

export interface ReplayOptions {
  /** Events read per page (and applied per transaction). Default 500. */
  batchSize?: number;
}

export interface SqliteProjector {
  /** The projections reset at start (new, or their version changed): `catchUp` replays them. */
  readonly resetAtStart: readonly string[];
  /**
   * Applies a batch in one transaction: every projection, and each projection's last applied
   * position, commit together. Events at or below a projection's position are skipped.
   * Returns `position()` after the commit.
   */
  applyBatch(events: readonly StoredEventLike[]): number;
  /** The lowest position every projection has reached: reads of any projection see at least this much. */
  position(): number;
  positionOf(projectionName: string): number;
  /** Resolves true once `position()` reaches `target`, false if `timeoutMs` passes first. */
  waitFor(target: number, timeoutMs: number): Promise<boolean>;
  /** Replays the log into every projection that is behind, until `readAll` returns nothing. */
  catchUp(readAll: ReadAll, options?: ReplayOptions): Promise<number>;
  /** Drops one projection's tables, migrates again and replays it from position 0. */
  rebuild(projectionName: string, readAll: ReadAll, options?: ReplayOptions): Promise<number>;
  /** Settles pending `waitFor` calls with false. Does not close the database. */
  close(): void;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

function ensurePositionsTable(db: SqliteDb): void {
  db.exec(`CREATE TABLE IF NOT EXISTS projection_positions (
    name     TEXT PRIMARY KEY,
    version  TEXT NOT NULL,
    position INTEGER NOT NULL
  ) WITHOUT ROWID`);
}

function checkNames(projections: readonly SqliteProjection[]): void {
  if (projections.length === 0) throw new Error('sqliteProjector needs at least one projection');
  const names = new Set<string>();
  for (const p of projections) {
    if (names.has(p.name)) throw new Error(`two projections are named ${p.name}`);
    names.add(p.name);
  }
}

/**
 * Runs SQLite projections from the global log. Feed it events in position order (the store's
 * `subscribeToAll`/`readAll`, or a bus consumer that keeps global order): an event whose position
 * is at or below a projection's recorded position is treated as already applied.
 *
 * Start-up: create it (projections that are new or whose `version` changed are dropped and
 * re-migrated at position 0), `await catchUp(store.readAll)`, then subscribe from `position()`
 * and hand each batch to `applyBatch`.
 */
export function sqliteProjector({ db, projections, onCommit }: SqliteProjectorOptions): SqliteProjector {
  checkNames(projections);
  ensurePositionsTable(db);

  const readRow = db.prepare<[string], { version: string; position: number }>('SELECT version, position FROM projection_positions WHERE name = ?');
  const writeRow = db.prepare<[string, string, number]>(
    `INSERT INTO projection_positions (name, version, position) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET version = excluded.version, position = excluded.position`,
  );
  const writePosition = db.prepare<[number, string]>('UPDATE projection_positions SET position = ? WHERE name = ?');

  const byName = new Map(projections.map((p) => [p.name, p]));
  /** Committed positions; changed only after a transaction commits. */
  const positions = new Map<string, number>();
  /** Projections being replayed by catchUp/rebuild: live batches leave them alone. */
  const replaying = new Set<string>();
  const waiters = new PositionWaiters(() => position());

  const reset = db.transaction((p: SqliteProjection) => {
    for (const table of [...p.tables, ...(p.retiredTables ?? [])]) db.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`);
    p.migrate(db);
    writeRow.run(p.name, String(p.version), 0);
  });

  const resetAtStart: string[] = [];
  db.transaction(() => {
    for (const p of projections) {
      const row = readRow.get(p.name);
      if (row === undefined || row.version !== String(p.version)) {
        reset(p);
        resetAtStart.push(p.name);
        positions.set(p.name, 0);
      } else {
        p.migrate(db);
        positions.set(p.name, row.position);
      }
    }
  })();

  const position = () => Math.min(...positions.values());

  const notify = () => waiters.reached();

  const applyTo = db.transaction((events: readonly StoredEventLike[], targets: readonly SqliteProjection[]) => {
    const advanced = new Map<string, number>();
    for (const p of targets) {
      const from = positions.get(p.name) ?? 0;
      // Past the projection's position, each position once (a batch may carry an event twice).
      const fresh: StoredEventLike[] = [];
      let at = from;
      for (const event of events) {
        if (event.position <= at) continue;
        fresh.push(event);
        at = event.position;
      }
      if (p.applyBatch) p.applyBatch(db, fresh);
      else for (const event of fresh) p.apply(db, event);
      if (at !== from) {
        writePosition.run(at, p.name);
        advanced.set(p.name, at);
      }
    }
    return advanced;
  });

  const commit = (events: readonly StoredEventLike[], targets: readonly SqliteProjection[]) => {
    if (events.length === 0 || targets.length === 0) return;
    const ordered = [...events].sort((a, b) => a.position - b.position);
    const advanced = applyTo(ordered, targets);
    for (const [name, at] of advanced) positions.set(name, at);
    if (advanced.size > 0) onCommit?.(ordered);
    notify();
  };

  const replay = async (names: readonly string[], readAll: ReadAll, options: ReplayOptions = {}) => {
    const batchSize = options.batchSize ?? 500;
    if (names.length === 0) return position();
    const targets = names.map((n) => byName.get(n)!);
    for (const n of names) replaying.add(n);
    try {
      for (;;) {
        const after = Math.min(...names.map((n) => positions.get(n) ?? 0));
        const events = await readAll(after, batchSize);
        if (events.length === 0) break;
        if (!events.some((e) => e.position > after)) throw new Error(`readAll(${after}) returned no event after ${after}`);
        commit(events, targets);
      }
    } finally {
      for (const n of names) replaying.delete(n);
    }
    return position();
  };

  return {
    resetAtStart,
    applyBatch(events) {
      commit(
        events,
        projections.filter((p) => !replaying.has(p.name)),
      );
      return position();
    },
    position,
    positionOf(name) {
      const at = positions.get(name);
      if (at === undefined) throw new Error(`no projection named ${name}`);
      return at;
    },
    waitFor(target, timeoutMs) {
      return waiters.wait(target, timeoutMs);
    },
    catchUp(readAll, options) {
      const names = projections.map((p) => p.name).filter((n) => !replaying.has(n));
      return replay(names, readAll, options);
    },
    async rebuild(name, readAll, options) {
      const p = byName.get(name);
      if (p === undefined) throw new Error(`no projection named ${name}`);
      if (replaying.has(name)) throw new Error(`projection ${name} is already being replayed`);
      replaying.add(name);
      try {
        reset(p);
        positions.set(name, 0);
      } finally {
        replaying.delete(name);
      }
      return replay([name], readAll, options);
    },
    close() {
      waiters.releaseAll();
    },
  };
}
