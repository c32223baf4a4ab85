import type { ReadAll, ReplayOptions, StoredEventLike } from '../shared/index.js';

/**
 * What the api needs from the projector of its SQLite read models, whether the projector runs on
 * the main thread (`inline`) or in a worker thread. Reads go through a separate connection; a
 * reader that waits for position P with `waitFor` then sees every row of P.
 */
export interface ReadModelProjector {
  /** The projections reset at start (new, or their version changed): `catchUp` replays them. */
  readonly resetAtStart: readonly string[];
  /**
   * Hands a batch over to be applied in order. Returns a promise only when the caller should wait
   * before sending more (too many batches not yet applied); otherwise nothing.
   */
  applyBatch(events: readonly StoredEventLike[]): void | Promise<void>;
  /** The lowest position every projection has reached, as committed and visible to readers. */
  position(): number;
  positionOf(projectionName: string): number;
  /** Resolves true once `position()` reaches `target`, false if `timeoutMs` passes first or the projector failed. */
  waitFor(target: number, timeoutMs: number): Promise<boolean>;
  /** Replays the log into every projection that is behind, until `readAll` returns nothing. */
  catchUp(readAll: ReadAll, options?: ReplayOptions): Promise<number>;
  /** Drops one projection's tables, migrates again and replays it from position 0. */
  rebuild(projectionName: string, readAll: ReadAll, options?: ReplayOptions): Promise<number>;
  /** Why the projector stopped applying batches, or null while it works. */
  failure(): Error | null;
  /** Settles pending `waitFor` calls with false and releases the projector (not the read connection). */
  close(): Promise<void>;
}

/** Each stream once, in first-seen order. */
export function streamsOf(events: readonly { stream: string }[]): string[] {
  return [...new Set(events.map((e) => e.stream))];
}
