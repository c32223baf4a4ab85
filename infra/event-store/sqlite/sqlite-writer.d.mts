import type Database from 'better-sqlite3';
import type { ExpectedRevision } from '../port.js';

export interface EncodedEvent {
  id: string;
  type: string;
  /** JSON text */
  data: string;
  /** JSON text */
  metadata: string;
}

export interface EncodedAppend {
  stream: string;
  expected: ExpectedRevision;
  events: EncodedEvent[];
}

export type AppendOutcome =
  | { ok: true; lastRevision: number; position: number; firstPosition: number; duplicate: boolean }
  | { ok: false; wrongRevision: { stream: string; expected: ExpectedRevision; actual: number | 'no_stream' } };

export declare const SCHEMA: string;
export declare function openDatabase(file: string): Database.Database;
export declare function createWriter(
  db: Database.Database,
  now?: () => number,
): { appendBatch(appends: EncodedAppend[]): { recordedAt: number; outcomes: AppendOutcome[] } };
