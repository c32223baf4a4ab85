/** Quotes an SQL identifier (schema, channel) so any name is safe to splice into DDL. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * A stable 32-bit key for the schema's writer lock (pg_advisory_xact_lock takes a bigint; an
 * int32 fits). FNV-1a over the schema name, so two stores on different schemas never contend.
 */
export function writerLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `parley.events:${schema}`) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** Channel NOTIFY'd after every committed append, so subscribers in any process wake at once. */
export const notifyChannel = (schema: string): string => `parley_events_${schema}`.slice(0, 63);

/**
 * The store's tables. `position` is assigned by the writer under the schema's advisory lock
 * (see postgres-event-store.ts), so it is dense and commits in order. Payloads are `json`
 * (exact text round trip, no re-encoding cost on insert) rather than `jsonb`.
 */
export function schemaDdl(schema: string): string {
  const s = quoteIdent(schema);
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.events (
      position    bigint  PRIMARY KEY,
      id          text    NOT NULL UNIQUE,
      stream      text    NOT NULL,
      revision    integer NOT NULL,
      type        text    NOT NULL,
      data        json    NOT NULL,
      metadata    json    NOT NULL,
      recorded_at bigint  NOT NULL,
      UNIQUE (stream, revision)
    );
    CREATE TABLE IF NOT EXISTS ${s}.streams (
      stream   text    PRIMARY KEY,
      revision integer NOT NULL
    );
    ${appendFunctionsDdl(s)}
  `;
}

/*
 * Each event's data and metadata reach the functions as JSON text inside a JSON string, cast to
 * `json` on insert: `json_to_recordset` refuses a `\u0000` escape in a field it returns as `json`
 * ("unsupported Unicode escape sequence"), while the `json` type itself keeps it verbatim, so a
 * payload holding a NUL character is stored and read back exactly, as on SQLite.
 *
 * The two halves of a group commit as PL/pgSQL functions: a function's statements are planned once
 * per connection and reused, where the same SQL sent as text was planned on every append (planning
 * took 1.5 ms of the server's CPU per append, more than running it). The lookups by id and stream
 * must use their indexes: a plan made while the table was small (a new schema, no statistics yet)
 * scanned the whole table, and a cached plan kept doing so on every append as the table grew. So
 * `append_plan` runs with sequential scans off.
 */
function appendFunctionsDdl(s: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${s}.append_plan(ids json, streams json)
    RETURNS TABLE (kind text, key text, pos bigint, rev integer) LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
    BEGIN
      RETURN QUERY
        SELECT 'head'::text, NULL::text, coalesce(max(e.position), 0)::bigint, NULL::integer FROM ${s}.events e
        UNION ALL
        SELECT 'event'::text, e.id, e.position, e.revision FROM ${s}.events e WHERE e.id = ANY (ARRAY(SELECT json_array_elements_text(ids)))
        UNION ALL
        SELECT 'stream'::text, st.stream, NULL::bigint, st.revision FROM ${s}.streams st WHERE st.stream = ANY (ARRAY(SELECT json_array_elements_text(streams)));
    END $fn$;
    CREATE OR REPLACE FUNCTION ${s}.append_rows(records json, revisions json, channel text, head bigint)
    RETURNS void LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO ${s}.events (position, id, stream, revision, type, data, metadata, recorded_at)
        SELECT x.position, x.id, x.stream, x.revision, x.type, x.data::json, x.metadata::json, x.recorded_at
        FROM json_to_recordset(records) AS x(position bigint, id text, stream text, revision integer, type text, data text, metadata text, recorded_at bigint);
      INSERT INTO ${s}.streams AS st (stream, revision)
        SELECT j.key, j.value::integer FROM json_each_text(revisions) AS j
        ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision;
      PERFORM pg_notify(channel, head::text);
    END $fn$;
    ${appendFastDdl(s)}`;
}

/*
 * A whole group commit decided and written inside the server, in one round trip, for the usual
 * batch: every id new, every expected revision met. Set-based (one statement for the lot); a
 * PL/pgSQL loop deciding append by append was 14 times slower than two round trips. It returns
 * one row per append, or no rows and writes nothing when any append is a retry, repeats an id or
 * misses its expected revision: the caller then decides that batch append by append (append_plan,
 * planBatch, append_rows), which reports each outcome exactly.
 *
 * `appends`: [{a, stream, expected, n}] in arrival order (a = 0, 1, …; expected is 'any',
 * 'no_stream', 'stream_exists' or a revision as text). `records`: [{a, i, id, type, data,
 * metadata}], i = 1..n within its append.
 */
function appendFastDdl(s: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${s}.append_fast(appends json, records json, recorded bigint, channel text)
    RETURNS TABLE (a integer, last_revision integer, pos bigint) LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
    DECLARE
      head bigint;
      tail bigint;
    BEGIN
      SELECT coalesce(max(e.position), 0) INTO head FROM ${s}.events e;
      RETURN QUERY
        WITH rec AS MATERIALIZED (
          SELECT r.a, r.i, r.id, r.type, r.data, r.metadata
          FROM json_to_recordset(records) AS r(a integer, i integer, id text, type text, data text, metadata text)
        ), ap AS (
          SELECT x.a, x.stream, x.expected, x.n FROM json_to_recordset(appends) AS x(a integer, stream text, expected text, n integer)
        ), planned AS MATERIALIZED (
          SELECT ap.a, ap.stream, ap.n, ap.expected,
            coalesce(st.revision, -1) + sum(ap.n) OVER (PARTITION BY ap.stream ORDER BY ap.a) - ap.n AS before_rev,
            head + sum(ap.n) OVER (ORDER BY ap.a) - ap.n AS before_pos
          FROM ap LEFT JOIN ${s}.streams st ON st.stream = ap.stream
        ), gate AS MATERIALIZED (
          SELECT bool_and(CASE p.expected
                            WHEN 'any' THEN true
                            WHEN 'no_stream' THEN p.before_rev = -1
                            WHEN 'stream_exists' THEN p.before_rev >= 0
                            ELSE p.before_rev = p.expected::integer END)
             AND NOT EXISTS (SELECT 1 FROM ${s}.events e WHERE e.id IN (SELECT rec.id FROM rec))
             AND (SELECT count(DISTINCT rec.id) = count(*) FROM rec) AS ok
          FROM planned p
        ), ins AS (
          INSERT INTO ${s}.events (position, id, stream, revision, type, data, metadata, recorded_at)
            SELECT p.before_pos + r.i, r.id, p.stream, p.before_rev + r.i, r.type, r.data::json, r.metadata::json, recorded
            FROM rec r JOIN planned p ON p.a = r.a
            WHERE (SELECT g.ok FROM gate g)
        ), up AS (
          INSERT INTO ${s}.streams AS st (stream, revision)
            SELECT p.stream, max(p.before_rev + p.n) FROM planned p WHERE (SELECT g.ok FROM gate g) GROUP BY p.stream
            ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision
        )
        SELECT p.a, (p.before_rev + p.n)::integer, (p.before_pos + p.n)::bigint FROM planned p WHERE (SELECT g.ok FROM gate g);
      IF FOUND THEN
        SELECT head + sum(x.n) INTO tail FROM json_to_recordset(appends) AS x(n integer);
        PERFORM pg_notify(channel, tail::text);
      END IF;
    END $fn$;`;
}
