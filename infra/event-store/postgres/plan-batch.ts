import {
  revisionMatches,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
  type NewEvent,
} from '../port.js';

export interface AppendRequest {
  stream: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
}

export interface KnownEvent {
  revision: number;
  position: number;
}

/** What the database said, under the writer lock, about the ids and streams a batch touches. */
export interface StoreSnapshot {
  head: number;
  /** Already stored events among the batch's ids. */
  events: ReadonlyMap<string, KnownEvent>;
  /** Last revision of each existing stream the batch touches. */
  streams: ReadonlyMap<string, number>;
}

export interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recordedAt: number;
}

export type Outcome = { ok: true; value: AppendResult } | { ok: false; error: Error };

export interface BatchPlan {
  outcomes: Outcome[];
  rows: EventRow[];
  /** New last revision of every stream that grew. */
  streamRevisions: Map<string, number>;
  head: number;
}

/**
 * Decides, in arrival order, what each append of one group-commit batch does: a duplicate (its
 * first event id is stored: return the first result), a wrong expected revision, or new rows.
 * Later appends see the effects of earlier ones in the same batch, exactly as if each had
 * committed alone. Pure: the caller reads the snapshot and writes the plan.
 */
export function planBatch(requests: readonly AppendRequest[], snapshot: StoreSnapshot, recordedAt: number): BatchPlan {
  const known = new Map(snapshot.events);
  const streams = new Map(snapshot.streams);
  const streamRevisions = new Map<string, number>();
  const rows: EventRow[] = [];
  let head = snapshot.head;

  const plan = (request: AppendRequest): Outcome => {
    const first = known.get(request.events[0]!.id);
    if (first) {
      const last = known.get(request.events[request.events.length - 1]!.id) ?? first;
      return { ok: true, value: { lastRevision: last.revision, position: last.position, duplicate: true } };
    }
    const ids = new Set<string>();
    for (const e of request.events) {
      if (known.has(e.id) || ids.has(e.id)) {
        return { ok: false, error: new Error(`event id ${e.id} is already stored or repeated; an append is idempotent only as a whole`) };
      }
      ids.add(e.id);
    }
    const actual = streams.get(request.stream) ?? -1;
    if (!revisionMatches(request.expected, actual)) {
      return { ok: false, error: new WrongExpectedRevisionError(request.stream, request.expected, actual === -1 ? 'no_stream' : actual) };
    }
    let revision = actual;
    for (const e of request.events) {
      revision += 1;
      head += 1;
      rows.push({
        position: head,
        id: e.id,
        stream: request.stream,
        revision,
        type: e.type,
        data: JSON.stringify(e.data ?? null),
        metadata: JSON.stringify(e.metadata ?? {}),
        recordedAt,
      });
      known.set(e.id, { revision, position: head });
    }
    streams.set(request.stream, revision);
    streamRevisions.set(request.stream, revision);
    return { ok: true, value: { lastRevision: revision, position: head, duplicate: false } };
  };

  const outcomes = requests.map(plan);
  return { outcomes, rows, streamRevisions, head };
}
