/** One event as a command handler hands it to the store. `id` makes the append idempotent. */
export interface NewEvent {
  id: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/** One event as the store keeps it. `revision` counts from 0 within its stream; `position` from 1 across all streams. */
export interface StoredEvent {
  id: string;
  stream: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: number;
  /**
   * `data` as JSON text, when the store has it at hand (the SQLite store's own appends and its
   * log reader): what `JSON.stringify(data)` gives, so a consumer that writes the data out as JSON
   * (frames, the timeline, the Kafka relay) need not encode it again.
   */
  readonly dataJson?: string;
}

/**
 * A stored event as JSON text (what `JSON.stringify` of its StoredEvent parses back to), with the
 * fields a forwarder reads. A relay that only forwards the log need not parse and re-encode it.
 */
export interface EncodedEvent {
  position: number;
  stream: string;
  recordedAt: number;
  json: string;
}

const q = JSON.stringify;

/** The event's fields (not `dataJson`, which is `data` again), with `data` from `dataJson` when at hand. */
export const encodeStoredEvent = (event: StoredEvent): EncodedEvent => ({
  position: event.position,
  stream: event.stream,
  recordedAt: event.recordedAt,
  json: `{"id":${q(event.id)},"stream":${q(event.stream)},"revision":${event.revision},"position":${event.position},"type":${q(event.type)},"data":${event.dataJson ?? q(event.data) ?? 'null'},"metadata":${q(event.metadata)},"recordedAt":${event.recordedAt}}`,
});

/**
 * What the caller believes the stream's last revision is:
 * a number (the stream's last revision), `no_stream`, `stream_exists`, or `any` (no check).
 */
export type ExpectedRevision = number | 'any' | 'no_stream' | 'stream_exists';

export interface AppendResult {
  /** Revision of the last event of this append. */
  lastRevision: number;
  /** Global position of the last event of this append. */
  position: number;
  /** The events' ids were already in the store: nothing was appended, the first result is returned. */
  duplicate: boolean;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  limit?: number;
  /** Only events of these types (revisions keep their gaps). */
  types?: readonly string[];
}

export interface Subscription {
  close(): void;
  /** Resolves when the subscription stops (closed or handler failed). */
  readonly done: Promise<void>;
}

export interface SubscribeOptions {
  batchSize?: number;
  /** Poll interval when the adapter has no push notification (ms). */
  pollMs?: number;
  /**
   * Least time between two reads of the log (ms; default 0, a read per wake-up). A follower that
   * need not be the first to know (read models, caches) then reads once per interval however often
   * appends wake it: fewer, larger batches for the store to serve.
   */
  minIntervalMs?: number;
  /**
   * A read of the log failed (`failures` in a row). It is read again after a pause of 100 ms,
   * doubling up to 5 s; the subscription ends only when closed or when its handler throws.
   */
  onReadError?: (error: unknown, failures: number) => void;
}

export interface EventStore {
  readonly kind: string;
  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Events with position strictly greater than `afterPosition`, in position order. */
  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]>;
  /** Catch up from `afterPosition`, then follow live appends. The handler is awaited, one batch at a time. */
  subscribeToAll(afterPosition: number, handler: (events: StoredEvent[]) => Promise<void> | void, options?: SubscribeOptions): Subscription;
  /**
   * Optional: `subscribeToAll` with each event as the text the store keeps, never parsed. Offered
   * where the store keeps JSON text (PostgreSQL), for the relay.
   */
  subscribeToAllEncoded?(afterPosition: number, handler: (events: EncodedEvent[]) => Promise<void> | void, options?: SubscribeOptions): Subscription;
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** The check every adapter applies; `actual` is the stream's last revision, or -1 when it does not exist. */
export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1;
  if (expected === 'stream_exists') return actual >= 0;
  return expected === actual;
}
