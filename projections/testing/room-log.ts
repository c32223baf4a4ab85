import { roomStream, type RoomEvent } from '@parley/contracts';
import type { ReadAll, SqliteDb, StoredEventLike } from '../shared/index.js';

/**
 * Builds a log as the event store would hand it out: global positions from 1, per-room revisions
 * from 0. Test helper only.
 */
export function roomLog() {
  const events: StoredEventLike[] = [];
  const revisions = new Map<string, number>();
  const append = (roomId: string, event: RoomEvent): StoredEventLike => {
    const stream = roomStream(roomId);
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const stored: StoredEventLike = {
      id: `evt-${events.length + 1}`,
      stream,
      revision,
      position: events.length + 1,
      type: event.type,
      data: structuredClone(event.data),
      metadata: {},
      recordedAt: 1_700_000_000_000 + events.length,
    };
    events.push(stored);
    return stored;
  };
  const readAll: ReadAll = (after, limit) => events.filter((e) => e.position > after).slice(0, limit);
  return { events, append, readAll };
}

/** Every row of the tables, ordered by all columns: two databases with equal dumps hold equal rows. */
export function dumpTables(db: SqliteDb, tables: readonly string[]): Record<string, unknown[]> {
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) {
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => `"${c.name}"`);
    dump[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY ${columns.join(', ')}`).all();
  }
  return dump;
}
