import type { ClickHouseClient } from '@clickhouse/client';
import { PositionWaiters } from '../shared/position-waiters.js';
import type { ReadAll } from '../shared/projection.js';
import type { StoredEventLike } from '../shared/stored-event.js';
import { unstoredRows } from './dedupe.js';
import { storedWatermark, type StoredWatermark } from './stored-watermark.js';
import { rowsOf, type ProjectedRow, type ProjectedRows } from './rows.js';
import { dropProjectedTables, migrateClickhouse } from './schema.js';
import { qualified, selectRows, sqlString } from './sql.js';

export interface ClickhouseProjectorOptions {
  client: ClickHouseClient;
  database: string;
  /** Key of this projector's row in `projector_positions`. Default `clickhouse`. */
  name?: string;
  /**
   * Records the applied position at most this often (ms; default 1,000): it only tells a restart
   * where to resume, and resuming a little early just re-reads events whose rows are skipped as
   * stored, while every record is one more round trip on the batch's path. 0 records after every
   * batch.
   */
  recordPositionEveryMs?: number;
}

export interface AppliedBatch {
  events: number;
  /** Rows written, all tables together (rows already stored are not written again). */
  rows: number;
  /** Highest position in the batch (0 for an empty batch). */
  position: number;
}

export interface ClickhouseProjector {
  readonly database: string;
  /** Creates the database and tables if missing. */
  migrate(): Promise<void>;
  /**
   * Writes a batch: per table, one SELECT of the batch's rows already stored and one JSONEachRow
   * insert of the others, then the batch's highest position. Idempotent, and independent of
   * order: any batch may be applied again (writing nothing), split differently or out of global
   * order and every query answers the same. Rejects if a query fails; the caller retries the
   * batch (or replays from the store).
   */
  applyBatch(events: readonly StoredEventLike[]): Promise<AppliedBatch>;
  /** The highest position this process has applied (0 before the first batch). */
  highestApplied(): number;
  /** Records `highestApplied()` now if a batch since the last record did not (call before stopping). */
  flushPosition(): Promise<void>;
  /**
   * The highest position ever recorded in ClickHouse. A safe place to resume only when events
   * were applied in global order (store subscription, in-process bus); a consumer of a
   * partitioned bus resumes from the bus's own committed offsets instead.
   */
  recordedPosition(): Promise<number>;
  /** Resolves true once `highestApplied()` reaches `target`, false after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number): Promise<boolean>;
  /** Replays the store from `recordedPosition()` until it returns nothing; returns the last position. */
  catchUp(readAll: ReadAll, options?: { batchSize?: number }): Promise<number>;
  /** Drops the event-fed tables, creates them again and replays the whole log. */
  rebuild(readAll: ReadAll, options?: { batchSize?: number }): Promise<number>;
  /** Settles pending `waitFor` calls with false. Does not close the client. */
  close(): void;
}

const projectedTables = ['audit_log', 'messages', 'message_removals'] as const satisfies readonly (keyof ProjectedRows)[];

export function clickhouseProjector({ client, database, name = 'clickhouse', recordPositionEveryMs = 1_000 }: ClickhouseProjectorOptions): ClickhouseProjector {
  const table = (t: string) => qualified(database, t);
  let highest = 0;
  let recorded = 0;
  let recordedAt = 0;
  const waiters = new PositionWaiters(() => highest);

  const insert = (t: string, values: readonly object[]) => client.insert({ table: table(t), values: values as object[], format: 'JSONEachRow' });

  const notify = () => waiters.reached();

  // Loaded before the first batch (and again after a rebuild): what was stored before this process.
  let watermark: Promise<StoredWatermark> | undefined;
  const loadWatermark = async () => {
    const highest = await selectRows<{ position: number }>(client, projectedTables.map((t) => `SELECT max(position) AS position FROM ${table(t)}`).join(' UNION ALL '));
    return storedWatermark(Math.max(0, ...highest.map((r) => Number(r.position))));
  };

  /** Inserts the rows not stored yet; returns how many. */
  async function insertUnstored(t: keyof ProjectedRows, rows: readonly ProjectedRow[], marks: StoredWatermark): Promise<number> {
    const unstored = await unstoredRows(client, database, t, rows, (row) => marks.mayBeStored(row.room_id, row.position));
    if (unstored.length > 0) await insert(t, unstored);
    return unstored.length;
  }

  async function applyBatch(events: readonly StoredEventLike[]): Promise<AppliedBatch> {
    if (events.length === 0) return { events: 0, rows: 0, position: 0 };
    const rows = rowsOf(events);
    // A failed load is tried again with the next batch, not kept.
    const marks = await (watermark ??= loadWatermark().catch((error: unknown) => {
      watermark = undefined;
      throw error;
    }));
    const written = await Promise.all(projectedTables.map((t) => insertUnstored(t, rows[t], marks)));
    for (const t of projectedTables) for (const row of rows[t]) marks.saw(row.room_id, row.position);
    let position = 0;
    for (const e of events) if (e.position > position) position = e.position;
    if (position > highest) {
      highest = position;
      notify();
    }
    if (Date.now() - recordedAt >= recordPositionEveryMs) await recordPosition();
    return { events: events.length, rows: written.reduce((a, b) => a + b, 0), position };
  }

  /**
   * Written only after the rows: a recorded position never runs ahead of rows that are missing.
   * Not written when it would not raise the stored one (a restarted process replaying), so a
   * replay adds no row here either.
   */
  async function recordPosition(): Promise<void> {
    if (highest <= recorded) return;
    const position = highest;
    recordedAt = Date.now();
    if (position > (await recordedPosition())) await insert('projector_positions', [{ projector: name, position }]);
    recorded = Math.max(recorded, position);
  }

  async function recordedPosition(): Promise<number> {
    const [row] = await selectRows<{ position: number }>(client, `SELECT max(position) AS position FROM ${table('projector_positions')} WHERE projector = ${sqlString(name)}`);
    return row?.position ?? 0;
  }

  async function replayFrom(after: number, readAll: ReadAll, batchSize: number): Promise<number> {
    for (;;) {
      const events = await readAll(after, batchSize);
      if (events.length === 0) {
        await recordPosition();
        return after;
      }
      const { position } = await applyBatch(events);
      if (position <= after) throw new Error(`readAll(${after}) returned no event after ${after}`);
      after = position;
    }
  }

  return {
    database,
    migrate: () => migrateClickhouse(client, database),
    applyBatch,
    highestApplied: () => highest,
    flushPosition: recordPosition,
    recordedPosition,
    waitFor(target, timeoutMs) {
      return waiters.wait(target, timeoutMs);
    },
    async catchUp(readAll, options = {}) {
      const from = await recordedPosition();
      // Everything up to the recorded position is in (in-order feeding): waiters need not wait for it.
      if (from > highest) {
        highest = recorded = from;
        notify();
      }
      return replayFrom(from, readAll, options.batchSize ?? 1000);
    },
    async rebuild(readAll, options = {}) {
      await dropProjectedTables(client, database);
      await migrateClickhouse(client, database);
      watermark = undefined;
      highest = 0;
      recorded = 0;
      return replayFrom(0, readAll, options.batchSize ?? 1000);
    },
    close() {
      waiters.releaseAll();
    },
  };
}
