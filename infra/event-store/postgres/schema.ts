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
        SELECT x.position, x.id, x.stream, x.revision, x.type, x.data, x.metadata, x.recorded_at
        FROM json_to_recordset(records) AS x(position bigint, id text, stream text, revision integer, type text, data json, metadata json, recorded_at bigint);
      INSERT INTO ${s}.streams AS st (stream, revision)
        SELECT j.key, j.value::integer FROM json_each_text(revisions) AS j
        ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision;
      PERFORM pg_notify(channel, head::text);
    END $fn$;`;
}
