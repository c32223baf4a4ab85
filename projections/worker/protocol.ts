import type { StoredEventLike } from '../shared/index.js';

/** What the main thread hands the projector worker at start. */
export interface ProjectorWorkerData {
  /** The read-model database file; the worker owns its only write connection. */
  file: string;
  /** URL of a ProjectionModule. */
  projectionsModule: string;
  /** Where live batches are read, when they come as position ranges (see `LogSource`). */
  log?: LogSource;
  /** Least time between two commits of live batches, ranges or events (ms); see `WorkerProjectorOptions`. */
  liveCommitIntervalMs?: number;
  /** The SQLite event store's file, attached to the worker's connection for a timeline over the log. */
  eventLog?: string;
}

/**
 * A log the worker can read itself: `module` exports `openLogReader(file)` returning
 * `{ readRange(after, upTo), close() }`. With it, a live batch crosses threads as two positions.
 */
export interface LogSource {
  module: string;
  file: string;
}

/** What a log module's `openLogReader(file)` returns. */
export interface LogReader {
  /** The events with `after < position <= upTo`, in order. */
  readRange(after: number, upTo: number): StoredEventLike[];
  close(): void;
}

export type Positions = [name: string, position: number][];

export type ToWorker =
  /** A live batch as its events; `urgent` as for `apply-range`. */
  | { kind: 'apply'; seq: number; events: readonly StoredEventLike[]; urgent: boolean }
  /**
   * A live batch by its positions (`after < position <= upTo`), read from the worker's `log`.
   * `urgent`: a reader waits for it, so it is committed without waiting for the commit interval.
   */
  | { kind: 'apply-range'; seq: number; after: number; upTo: number; urgent: boolean }
  /** A reader waits: commit the live batches held back now. */
  | { kind: 'flush' }
  /** `projection: null` is a catchUp of every projection, a name is a rebuild of that one. */
  | { kind: 'replay'; id: number; projection: string | null; batchSize?: number }
  | { kind: 'page'; id: number; events: readonly StoredEventLike[] }
  | { kind: 'page-error'; id: number; error: string }
  | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready'; resetAtStart: string[]; positions: Positions }
  /** After a commit. `seq` is set when it answers an `apply` (sent even when the batch changed nothing). */
  | { kind: 'applied'; seq?: number; positions: Positions; streams: string[] }
  /** The worker's replay asks the main thread for a page of the log. */
  | { kind: 'read'; id: number; replay: number; after: number; limit: number }
  | { kind: 'replayed'; id: number; position: number }
  | { kind: 'replay-failed'; id: number; error: string }
  /** A live batch failed: the worker applies nothing more. */
  | { kind: 'failed'; error: string }
  | { kind: 'closed' };
