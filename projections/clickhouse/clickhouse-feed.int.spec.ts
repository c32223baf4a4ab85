import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEventLike } from '../shared/index.js';
import { streamRoomScenario } from '../testing/index.js';
import { clickhouseAuditLog, clickhouseFeed, clickhouseProjector, searchMessages } from './index.js';
import { freshDatabaseName, testClickhouse, type TestClickhouse } from './testing/index.js';

let ch: TestClickhouse;
const databases: string[] = [];
const log = streamRoomScenario();
const events: readonly StoredEventLike[] = log.events;

const newDatabase = () => {
  const database = freshDatabaseName('parley_chfeed');
  databases.push(database);
  return database;
};

const answers = async (database: string) => ({
  audit: await clickhouseAuditLog(ch.client, database),
  history: await searchMessages(ch.client, database, { includeStealth: true }),
});

let expected: Awaited<ReturnType<typeof answers>>;

beforeAll(async () => {
  ch = await testClickhouse('parley_chfeed');
  const database = newDatabase();
  const projector = clickhouseProjector({ client: ch.client, database });
  await projector.migrate();
  await projector.applyBatch(events);
  expected = await answers(database);
  expect(expected.history.items).toHaveLength(5);
}, 120_000);

afterAll(async () => {
  for (const database of databases) await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await ch.drop();
});

describe('clickhouseFeed', () => {
  it('writes queued bus batches, merged, without making the bus wait', async () => {
    const database = newDatabase();
    const projector = clickhouseProjector({ client: ch.client, database });
    await projector.migrate();
    let inserts = 0;
    const counting = { ...projector, applyBatch: (e: readonly StoredEventLike[]) => (inserts++, projector.applyBatch(e)) };
    const feed = clickhouseFeed({ projector: counting, readAll: log.readAll });
    for (const e of events) feed.handle([e]);
    expect(feed.pending()).toBeGreaterThan(0);
    await feed.idle();
    expect(feed.pending()).toBe(0);
    expect(inserts).toBeLessThan(events.length);
    expect(await answers(database)).toEqual(expected);
    await feed.stop();
  });

  it('survives ClickHouse refusing writes: reports, retries, then catches up from the store', async () => {
    const database = newDatabase();
    const projector = clickhouseProjector({ client: ch.client, database });
    const errors: unknown[] = [];
    const feed = clickhouseFeed({ projector, readAll: log.readAll, retryMs: 50, onError: (e) => errors.push(e) });
    feed.handle(events.slice(0, 8)); // the tables do not exist yet: the insert fails
    await new Promise((r) => setTimeout(r, 120));
    expect(errors.length).toBeGreaterThan(0);
    await projector.migrate();
    feed.handle(events.slice(8));
    await feed.idle();
    expect(await answers(database)).toEqual(expected);
    await feed.stop();
  });

  it('drops a queue over its bound and reads the events again from the store', async () => {
    const database = newDatabase();
    const projector = clickhouseProjector({ client: ch.client, database });
    await projector.migrate();
    let readFromStore = 0;
    const feed = clickhouseFeed({
      projector,
      readAll: (after, limit) => {
        const page = log.readAll(after, limit) as StoredEventLike[];
        readFromStore += page.length;
        return page;
      },
      maxPendingEvents: 5,
    });
    feed.handle(events.slice(0, 3));
    feed.handle(events.slice(3));
    expect(feed.pending()).toBe(0);
    await feed.idle();
    expect(readFromStore).toBeGreaterThanOrEqual(events.length - 3);
    expect(await answers(database)).toEqual(expected);
    await feed.stop();
  });
});
