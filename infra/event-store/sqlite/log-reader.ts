import Database from 'better-sqlite3';
import type { StoredEvent } from '../port.js';
import { eventColumns, LazyStoredEvent, type EventColumns } from './event-row.js';

/**
 * A read-only view of a SQLite store's global log, for another thread of the same process (the
 * read-model projector's worker): given a range of positions the relay has published, it reads
 * and decodes those events itself, so the main thread hands over two numbers instead of cloning
 * every event. Its events decode their data on first use (see `LazyStoredEvent`). A log-reader
 * module (see `sqliteLogReaderModule`) exports `openLogReader`.
 */
export interface LogReader {
  /** The events with `after < position <= upTo`, in order. */
  readRange(after: number, upTo: number): StoredEvent[];
  close(): void;
}

export function openLogReader(file: string): LogReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // Rows as arrays: building an object per row costs V8 a property definition per column.
  const range = db
    .prepare<[number, number], EventColumns>(`SELECT ${eventColumns} FROM events WHERE position > ? AND position <= ? ORDER BY position`)
    .raw(true);
  return {
    readRange: (after, upTo) => range.all(after, upTo).map((row) => new LazyStoredEvent(row)),
    close: () => db.close(),
  };
}

/** URL of this module, for a worker to import (a worker cannot be handed functions). */
export const sqliteLogReaderModule: string = import.meta.url;
