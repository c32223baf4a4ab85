import { EventEmitter } from 'node:events';
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type JSONType,
  type Position,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type StoredEvent,
} from '../port.js';
import { onEmit, pollingSubscription } from '../subscription.js';

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://127.0.0.1:2113?tls=false` */
  connectionString: string;
  /**
   * How many of a stream's last events an `any`/`stream_exists` retry is checked against for
   * idempotency (a numeric or `no_stream` expectation is checked exactly). Default 100.
   */
  duplicateWindow?: number;
}

type Recorded = NonNullable<ResolvedEvent['event']>;

/**
 * EventStoreDB as the event store, through @eventstore/db-client (gRPC).
 *
 * Positions. EventStoreDB orders `$all` by a (commit, prepare) pair of 64-bit byte offsets in its
 * transaction log, not by a dense counter. The events of one append share a commit position and
 * each has its own, increasing prepare position, so `StoredEvent.position` is the event's
 * **prepare position** as a `number`: unique, increasing along `$all`, with gaps (byte offsets),
 * and exact up to 2^53 bytes (9 PB) of log. `readAll` and subscriptions only ever end a batch on
 * the last event of an append, so every position this store hands out as a resume point is the
 * end of an append, and resuming from `{ commit: p, prepare: p }` neither repeats nor skips.
 * A position from the middle of an append is not a resume point this adapter supports.
 *
 * Idempotency. EventStoreDB itself accepts a retried append with the same event ids (UUIDs) as a
 * no-op, but does not say it was one. The port must return the first result with
 * `duplicate: true`, so an append first looks for its first event id where that append would
 * have landed (exactly for a numeric or `no_stream` expectation; among the stream's last
 * `duplicateWindow` events for `any`/`stream_exists`). Two identical appends racing each other
 * may both report `duplicate: false`; the server still stores the events once.
 *
 * Event ids must be UUIDs (EventStoreDB's requirement). System events (`$`-types and streams)
 * are never returned by `readAll` or subscriptions.
 *
 * The contract suite runs against a real server only when EVENTSTORE_URL is set; no server can
 * be installed on the project's machines, so it has not run there (see README.md).
 */
export async function eventStoreDbEventStore(options: EventStoreDbEventStoreOptions): Promise<EventStore> {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const duplicateWindow = options.duplicateWindow ?? 100;

  const toStored = (e: Recorded): StoredEvent => ({
    id: e.id,
    stream: e.streamId,
    revision: Number(e.revision),
    position: e.position ? Number(e.position.prepare) : -1,
    type: e.type,
    data: e.isJson ? e.data : Buffer.from(e.data as Uint8Array).toString('base64'),
    metadata: (e.metadata && typeof e.metadata === 'object' && !(e.metadata instanceof Uint8Array) ? e.metadata : {}) as Record<string, unknown>,
    recordedAt: e.created.getTime(),
  });

  const isUserEvent = (e: { type: string; streamId: string }) => !e.type.startsWith('$') && !e.streamId.startsWith('$');

  /** Reads a stream (or part of it); an unknown stream reads as empty. */
  const readStreamRecorded = async (stream: string, fromRevision: bigint | typeof START | typeof END, maxCount: number, direction: typeof FORWARDS | typeof BACKWARDS = FORWARDS) => {
    const out: Recorded[] = [];
    try {
      for await (const resolved of client.readStream(stream, { fromRevision, maxCount, direction })) {
        if (resolved.event) out.push(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  };

  const expectedRevisionOf = (expected: ExpectedRevision): AppendExpectedRevision => {
    if (expected === 'any') return ANY;
    if (expected === 'no_stream') return NO_STREAM;
    if (expected === 'stream_exists') return STREAM_EXISTS;
    return BigInt(expected);
  };

  /** The stored events of an earlier identical append, if there was one. */
  const findEarlierAppend = async (stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<Recorded[] | undefined> => {
    let candidates: Recorded[];
    if (typeof expected === 'number') candidates = await readStreamRecorded(stream, BigInt(expected + 1), events.length);
    else if (expected === 'no_stream') candidates = await readStreamRecorded(stream, START, events.length);
    else candidates = (await readStreamRecorded(stream, END, duplicateWindow, BACKWARDS)).reverse();
    const start = candidates.findIndex((e) => e.id === events[0]!.id);
    if (start === -1) return undefined;
    return candidates.slice(start, start + events.length);
  };

  const resultOf = (stored: Recorded[], duplicate: boolean): AppendResult => {
    const last = stored[stored.length - 1]!;
    return { lastRevision: Number(last.revision), position: last.position ? Number(last.position.prepare) : -1, duplicate };
  };

  /**
   * Reads `$all` after `after`, at most about `limit` user events, ending on the last event of an
   * append (so the batch's last position is always a safe resume point, see above).
   */
  const readAllAfter = async (after: number, limit: number): Promise<StoredEvent[]> => {
    const from: Position | typeof START = after <= 0 ? START : { commit: BigInt(after), prepare: BigInt(after) };
    const out: StoredEvent[] = [];
    let lastCommit: bigint | undefined;
    // No maxCount: the system events skipped below could fill any fixed count, and a follower would
    // then read nothing from the same position forever. The read is cancelled once the batch is full.
    const read: StreamingRead<AllStreamResolvedEvent> = client.readAll({ fromPosition: from, direction: FORWARDS });
    try {
      for await (const resolved of read) {
        const e = resolved.event;
        if (!e || !isUserEvent(e)) continue;
        if (Number(e.position.prepare) <= after) continue;
        if (out.length >= limit && e.position.commit !== lastCommit) break;
        out.push(toStored(e));
        lastCommit = e.position.commit;
      }
    } finally {
      await read.cancel().catch(() => undefined);
    }
    return out;
  };

  // Live appends by anyone wake subscribers; the server pushes them on a subscription from the end.
  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  let live: ReturnType<EventStoreDBClient['subscribeToAll']> | undefined;
  const startLiveWakeups = () => {
    if (live) return;
    live = client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    live.on('data', () => appended.emit('appended'));
    live.on('error', () => {
      // Polling covers the gap; try again on the next subscription.
      live = undefined;
    });
  };

  let closed = false;
  const store: EventStore = {
    kind: 'eventstoredb',
    async append(stream, events, expected) {
      if (closed) throw new Error('event store is closed');
      if (events.length === 0) throw new Error('append needs at least one event');
      const earlier = await findEarlierAppend(stream, events, expected);
      if (earlier && earlier.length > 0) return resultOf(earlier, true);
      try {
        const result = await client.appendToStream(
          stream,
          events.map((e) => jsonEvent({ id: e.id, type: e.type, data: (e.data ?? null) as JSONType, metadata: (e.metadata ?? {}) as JSONType })),
          { expectedRevision: expectedRevisionOf(expected) },
        );
        // Read the last event back: the append result carries the write's position, not each event's.
        const [last] = await readStreamRecorded(stream, result.nextExpectedRevision, 1);
        if (!last) throw new Error(`stream ${stream}: appended revision ${result.nextExpectedRevision} not readable`);
        return resultOf([last], false);
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          const actual = error.actualVersion;
          throw new WrongExpectedRevisionError(stream, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
        }
        throw error;
      }
    },
    async readStream(stream, opts: ReadStreamOptions = {}) {
      const from = BigInt(opts.fromRevision ?? 0);
      const wanted = opts.types ? new Set(opts.types) : undefined;
      const out: StoredEvent[] = [];
      try {
        const maxCount = wanted ? undefined : opts.limit;
        for await (const resolved of client.readStream(stream, { fromRevision: from, direction: FORWARDS, ...(maxCount !== undefined ? { maxCount } : {}) })) {
          if (!resolved.event) continue;
          if (wanted && !wanted.has(resolved.event.type)) continue;
          out.push(toStored(resolved.event));
          if (opts.limit !== undefined && out.length >= opts.limit) break;
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
      return out;
    },
    readAll: readAllAfter,
    subscribeToAll(after, handler, opts) {
      startLiveWakeups();
      return pollingSubscription(
        readAllAfter,
        onEmit(appended),
        after,
        handler,
        opts,
      );
    },
    async headPosition() {
      const read = client.readAll({ fromPosition: END, direction: BACKWARDS });
      try {
        for await (const resolved of read) {
          const e = resolved.event;
          if (e && isUserEvent(e)) return Number(e.position.prepare);
        }
      } finally {
        await read.cancel().catch(() => undefined);
      }
      return 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      appended.emit('appended');
      await live?.unsubscribe().catch(() => undefined);
      await client.dispose();
    },
  };
  return store;
}
