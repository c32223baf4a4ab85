import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { AppendResult, EncodedEvent, EventStore, ReadStreamOptions, StoredEvent } from '../port.js';
import { onEmit, pollingSubscription } from '../subscription.js';
import { planBatch, type AppendRequest, type EventRow as PlannedRow, type KnownEvent, type Outcome } from './plan-batch.js';
import { notifyChannel, quoteIdent, schemaDdl, writerLockKey } from './schema.js';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the store's tables (created if missing). Default `parley`. */
  schema?: string;
  /** Connections for reads (the writer has its own). Default 4. */
  readPoolSize?: number;
  /** Most events one group-commit transaction carries. Default 5000. */
  maxBatchEvents?: number;
  now?: () => number;
}

interface PendingAppend extends AppendRequest {
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface EventRow {
  position: string;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: string;
}

const toStored = (row: EventRow): StoredEvent => ({
  id: row.id,
  stream: row.stream,
  revision: row.revision,
  position: Number(row.position),
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: Number(row.recorded_at),
});

/** A row read with its data and metadata as text (`ENCODED_COLUMNS`). */
interface EncodedRow extends Omit<EventRow, 'data' | 'metadata'> {
  data: string;
  metadata: string;
}

/**
 * The row as its StoredEvent's JSON, spliced from the text the table keeps: `json` columns keep the
 * appended text verbatim, and it was `JSON.stringify` output. Neither parsed nor re-encoded.
 */
const toEncoded = (row: EncodedRow): EncodedEvent => ({
  position: Number(row.position),
  stream: row.stream,
  recordedAt: Number(row.recorded_at),
  json: `{"id":${JSON.stringify(row.id)},"stream":${JSON.stringify(row.stream)},"revision":${row.revision},"position":${row.position},"type":${JSON.stringify(row.type)},"data":${row.data},"metadata":${row.metadata},"recordedAt":${row.recorded_at}}`,
});

/**
 * The batch's rows as one JSON array for `json_to_recordset`, each event's data and metadata (JSON
 * text) as a JSON string (schema.ts says why). Text arrays made the driver escape every quote of
 * every payload and the server unescape it again: the largest part of an append's client CPU.
 */
function recordsetJson(rows: readonly PlannedRow[]): string {
  let out = '[';
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i]!;
    if (i > 0) out += ',';
    out += `{"position":${x.position},"id":${JSON.stringify(x.id)},"stream":${JSON.stringify(x.stream)},"revision":${x.revision},"type":${JSON.stringify(x.type)},"data":${JSON.stringify(x.data)},"metadata":${JSON.stringify(x.metadata)},"recorded_at":${x.recordedAt}}`;
  }
  return out + ']';
}

/**
 * A dollar-quoted literal of any text: its tag never occurs in the text, so nothing inside needs
 * escaping and `standard_conforming_strings` does not matter.
 */
function literal(text: string): string {
  let tag = '$p$';
  for (let n = 0; text.includes(tag); n++) tag = `$p${n}$`;
  return `${tag}${text}${tag}`;
}

/**
 * The batch as `append_fast` takes it (schema.ts): one small record per append, one per event
 * with its data and metadata as JSON text in a JSON string.
 */
function fastPathJson(batch: readonly AppendRequest[]): { appends: string; records: string } {
  let appends = '[';
  let records = '[';
  batch.forEach((p, a) => {
    if (a > 0) appends += ',';
    appends += `{"a":${a},"stream":${JSON.stringify(p.stream)},"expected":"${String(p.expected)}","n":${p.events.length}}`;
    p.events.forEach((e, i) => {
      if (a > 0 || i > 0) records += ',';
      records += `{"a":${a},"i":${i + 1},"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"data":${JSON.stringify(JSON.stringify(e.data ?? null))},"metadata":${JSON.stringify(JSON.stringify(e.metadata ?? {}))}}`;
    });
  });
  return { appends: appends + ']', records: records + ']' };
}

const COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at';
const ENCODED_COLUMNS = 'position, id, stream, revision, type, data::text AS data, metadata::text AS metadata, recorded_at';

/**
 * Event store on PostgreSQL.
 *
 * Global order without gaps: positions are assigned as `max(position) + 1` by whichever writer
 * holds the schema's transaction-scoped advisory lock, and the lock is released only after the
 * transaction's rows are visible (PostgreSQL makes a commit visible before it drops the
 * transaction's locks). So position N+1 cannot be assigned, let alone seen, before N is
 * committed: a reader of `position > p` never skips an event that commits later, which a plain
 * sequence (`bigserial` assigned by concurrent transactions that commit in another order) would
 * allow. The price is one writer at a time per schema, across all processes; group commit makes
 * that cheap: appends that arrive while a transaction is in flight all go into the next one
 * (one lock, one fsync for the lot), so throughput grows with concurrency instead of contention.
 *
 * Opening is async (it creates the schema); the rest follows the EventStore port exactly like
 * the SQLite store: optimistic concurrency, idempotency by the first event id, `subscribeToAll`
 * woken by LISTEN/NOTIFY with polling as the fallback.
 */
export async function postgresEventStore(options: PostgresEventStoreOptions): Promise<EventStore> {
  const schema = options.schema ?? 'parley';
  const table = `${quoteIdent(schema)}.events`;
  const appendPlan = `${quoteIdent(schema)}.append_plan`;
  const appendRows = `${quoteIdent(schema)}.append_rows`;
  const appendFast = `${quoteIdent(schema)}.append_fast`;
  // The pool is this store's alone, so one name per statement is enough.
  const readAllStatement = 'parley-read-all';
  const readAllEncodedStatement = 'parley-read-all-encoded';
  const channel = notifyChannel(schema);
  const lockKey = writerLockKey(schema);
  const now = options.now ?? Date.now;
  const maxBatchEvents = options.maxBatchEvents ?? 5000;

  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.readPoolSize ?? 4, application_name: 'parley-event-store' });
  // An idle pooled client that loses its connection emits here; the pool replaces it.
  pool.on('error', () => undefined);

  // The one connection that writes. Dropped when it fails, reopened by the next batch.
  let writer: pg.Client | undefined;
  const writerClient = async (): Promise<pg.Client> => {
    if (writer) return writer;
    const client = new pg.Client({ connectionString: options.connectionString, application_name: `parley-event-store-writer:${schema}`.slice(0, 63) });
    client.on('error', () => {
      if (writer === client) writer = undefined;
    });
    await client.connect();
    writer = client;
    return client;
  };
  const dropWriter = (client: pg.Client) => {
    if (writer === client) writer = undefined;
    client.end().catch(() => undefined);
  };
  /** After a failed commit: a statement error leaves the connection usable after ROLLBACK; a lost connection does not. */
  const rollBack = (client: pg.Client) => client.query('ROLLBACK').then(() => undefined, () => dropWriter(client));

  try {
    const client = await writerClient();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
    await client.query(schemaDdl(schema));
    await client.query('COMMIT');
  } catch (error) {
    if (writer) dropWriter(writer);
    await pool.end().catch(() => undefined);
    throw error;
  }

  const appended = new EventEmitter();
  appended.setMaxListeners(0);
  const listener = notificationListener(options.connectionString, channel, () => appended.emit('appended'));

  const queue: PendingAppend[] = [];
  let flushing: Promise<void> | undefined;

  /** Takes the next batch off the queue: whole appends, up to maxBatchEvents events (at least one append). */
  const takeBatch = (): PendingAppend[] => {
    let events = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || events + queue[n]!.events.length <= maxBatchEvents)) {
      events += queue[n]!.events.length;
      n += 1;
    }
    return queue.splice(0, n);
  };

  /**
   * One group commit. Every round trip made under the writer lock waits for this process's event
   * loop, and on a busy machine with several writers those waits, not PostgreSQL, were what the
   * other writers queued behind. So the usual batch (new ids, expected revisions met) is decided
   * and written by `append_fast` inside the server: begin, lock, write, commit in one round trip.
   * Any other batch comes back untouched and takes the exact path below.
   */
  const commitBatch = async (batch: PendingAppend[]): Promise<Outcome[]> => {
    const writer = await writerClient();
    const { appends, records } = fastPathJson(batch);
    try {
      const results = (await writer.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${lockKey});
         SELECT a, last_revision, pos FROM ${appendFast}(${literal(appends)}::json, ${literal(records)}::json, ${now()}, ${literal(channel)});
         COMMIT`,
      )) as unknown as Array<pg.QueryResult<{ a: number; last_revision: number; pos: string }>>;
      const written = results[2]!.rows;
      if (written.length === batch.length) {
        const outcomes: Outcome[] = new Array(batch.length);
        for (const row of written) outcomes[row.a] = { ok: true, value: { lastRevision: row.last_revision, position: Number(row.pos), duplicate: false } };
        return outcomes;
      }
    } catch (error) {
      await rollBack(writer);
      throw error;
    }
    return commitBatchAppendByAppend(writer, batch);
  };

  /**
   * A group commit decided append by append, in two round trips, both simple-protocol queries
   * carrying their values as dollar-quoted literals to the schema's functions (schema.ts):
   * (1) begin, take the writer lock, read what the plan needs; (2) insert, notify, commit.
   */
  const commitBatchAppendByAppend = async (writer: pg.Client, batch: PendingAppend[]): Promise<Outcome[]> => {
    const ids = new Set<string>();
    for (const p of batch) for (const e of p.events) ids.add(e.id);
    const streams = [...new Set(batch.map((p) => p.stream))];
    try {
      // The lock comes first, in its own statement: the snapshot of the next statement is taken
      // after we hold it, so it sees every append committed before ours.
      const results = (await writer.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${lockKey});
         SELECT kind, key, pos AS position, rev AS revision FROM ${appendPlan}(${literal(JSON.stringify([...ids]))}::json, ${literal(JSON.stringify(streams))}::json)`,
      )) as unknown as Array<pg.QueryResult<{ kind: string; key: string | null; position: string | null; revision: number | null }>>;
      let head = 0;
      const known = new Map<string, KnownEvent>();
      const revisions = new Map<string, number>();
      for (const row of results[results.length - 1]!.rows) {
        if (row.kind === 'head') head = Number(row.position);
        else if (row.kind === 'event') known.set(row.key!, { revision: Number(row.revision), position: Number(row.position) });
        else revisions.set(row.key!, Number(row.revision));
      }
      const plan = planBatch(batch, { head, events: known, streams: revisions }, now());
      if (plan.rows.length === 0) await writer.query('COMMIT');
      else {
        await writer.query(
          `SELECT ${appendRows}(${literal(recordsetJson(plan.rows))}::json, ${literal(JSON.stringify(Object.fromEntries(plan.streamRevisions)))}::json, ${literal(channel)}, ${plan.head});
           COMMIT`,
        );
      }
      return plan.outcomes;
    } catch (error) {
      await rollBack(writer);
      throw error;
    }
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = takeBatch();
      let outcomes: Outcome[];
      try {
        outcomes = await commitBatch(batch);
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
      if (outcomes.some((o) => o.ok && !o.value.duplicate)) appended.emit('appended');
    }
  };

  const scheduleFlush = () => {
    if (flushing) return;
    flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(drain)
      .finally(() => {
        flushing = undefined;
        if (queue.length > 0) scheduleFlush();
      });
  };

  const readAllEncoded = async (after: number, limit: number): Promise<EncodedEvent[]> => {
    const { rows } = await pool.query<EncodedRow>({ name: readAllEncodedStatement, text: `SELECT ${ENCODED_COLUMNS} FROM ${table} WHERE position > $1 ORDER BY position LIMIT $2`, values: [after, limit] });
    return rows.map(toEncoded);
  };

  let closed = false;
  const store: EventStore = {
    kind: 'postgres',
    append(stream, events, expected) {
      if (closed) return Promise.reject(new Error('event store is closed'));
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ stream, events, expected, resolve, reject });
        scheduleFlush();
      });
    },
    async readStream(stream, opts: ReadStreamOptions = {}) {
      const params: unknown[] = [stream, opts.fromRevision ?? 0];
      let sql = `SELECT ${COLUMNS} FROM ${table} WHERE stream = $1 AND revision >= $2`;
      if (opts.types) {
        params.push([...opts.types]);
        sql += ` AND type = ANY($${params.length}::text[])`;
      }
      sql += ' ORDER BY revision';
      if (opts.limit !== undefined) {
        params.push(opts.limit);
        sql += ` LIMIT $${params.length}`;
      }
      const { rows } = await pool.query<EventRow>(sql, params);
      return rows.map(toStored);
    },
    async readAll(after, limit) {
      // Named: prepared and planned once per pooled connection, not on every read of every follower.
      const { rows } = await pool.query<EventRow>({ name: readAllStatement, text: `SELECT ${COLUMNS} FROM ${table} WHERE position > $1 ORDER BY position LIMIT $2`, values: [after, limit] });
      return rows.map(toStored);
    },
    subscribeToAll(after, handler, opts) {
      listener.start();
      return pollingSubscription(store.readAll, onEmit(appended), after, handler, opts);
    },
    subscribeToAllEncoded(after, handler, opts) {
      listener.start();
      return pollingSubscription(readAllEncoded, onEmit(appended), after, handler, opts);
    },
    async headPosition() {
      const { rows } = await pool.query<{ head: string }>(`SELECT coalesce(max(position), 0) AS head FROM ${table}`);
      return Number(rows[0]!.head);
    },
    async close() {
      if (closed) return;
      closed = true;
      while (flushing) await flushing;
      appended.emit('appended');
      await Promise.allSettled([listener.stop(), writer?.end(), pool.end()]);
    },
  };
  return store;
}

/**
 * One LISTEN connection per store, opened when the first subscription starts. If it drops, it
 * reconnects after a second; subscriptions keep polling meanwhile, so a lost notification only
 * costs latency, never an event.
 */
function notificationListener(connectionString: string, channel: string, onNotify: () => void) {
  let client: pg.Client | undefined;
  let started = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString, application_name: 'parley-event-store-listener' });
    const reconnect = () => {
      if (client !== c) return;
      client = undefined;
      c.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect(), 1000);
    };
    c.on('error', reconnect);
    c.on('end', reconnect);
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify();
    });
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdent(channel)}`);
      if (stopped) await c.end();
      // Anything committed while we were not listening: let subscribers re-read.
      else onNotify();
    } catch {
      reconnect();
    }
  };

  return {
    start() {
      if (started) return;
      started = true;
      void connect();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
