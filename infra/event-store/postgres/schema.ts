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
  `;
}
