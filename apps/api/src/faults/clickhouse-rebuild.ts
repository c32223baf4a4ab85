import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { postgresEventStore } from '@parley/infra/event-store/postgres';
import { clickhouseAuditLog, clickhouseProjector, messagesPerMinute, searchMessages } from '@parley/projections/clickhouse';
import { until, type TestCluster } from './cluster-harness.js';

/*
 * Fault specs' check on the ClickHouse projector: once it has caught up, what the admin surface
 * can ask of its database equals what a projector rebuilt from zero (from the store's log) answers.
 */

/** Every message the admin search finds, optionally in one room, over all pages. */
async function allMessages(client: ClickHouseClient, database: string, roomId?: string) {
  const out = [];
  let after: number | undefined;
  for (;;) {
    const page = await searchMessages(client, database, { includeStealth: true, limit: 200, ...(roomId ? { roomId } : {}), ...(after !== undefined ? { after } : {}) });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    after = page.nextCursor;
  }
}

/** What the admin surface can ask of the ClickHouse read models: every message, the audit log, messages per room per minute. */
async function answers(client: ClickHouseClient, database: string) {
  const audit = [];
  let after: number | undefined;
  for (;;) {
    const page = await clickhouseAuditLog(client, database, { limit: 500, ...(after !== undefined ? { after } : {}) });
    audit.push(...page.entries);
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  const perMinute = await messagesPerMinute(client, database, { since: 0, until: Date.now() + 60_000 });
  return { messages: await allMessages(client, database), audit, perMinute };
}

/**
 * Waits until the cluster's projector holds `expectedInRoom` messages of `roomId`, rebuilds the
 * projections from zero into a scratch database, and returns the room's texts and both answers.
 */
export async function projectorAgainstRebuild(cluster: TestCluster, roomId: string, expectedInRoom: number) {
  const { url, database } = cluster.clickhouse!;
  const client = createClient({ url, request_timeout: 60_000 });
  const rebuiltDb = `${database}_rebuilt`;
  const store = await postgresEventStore({ connectionString: cluster.env.DATABASE_URL!, schema: cluster.env.PARLEY_PG_SCHEMA! });
  try {
    await until(async () => (await allMessages(client, database, roomId)).length === expectedInRoom, `${expectedInRoom} messages in ClickHouse`, 60_000);
    const rebuilt = clickhouseProjector({ client, database: rebuiltDb });
    await rebuilt.migrate();
    await rebuilt.rebuild((after, limit) => store.readAll(after, limit));
    rebuilt.close();
    const live = await answers(client, database);
    return { roomTexts: live.messages.filter((m) => m.roomId === roomId).map((m) => m.text).sort(), live, rebuilt: await answers(client, rebuiltDb) };
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${rebuiltDb}` }).catch(() => undefined);
    await client.close();
    await store.close();
  }
}
