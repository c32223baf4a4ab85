import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreContract } from '../contract.js';
import { WrongExpectedRevisionError, type EventStore, type StoredEvent } from '../port.js';
import { postgresEventStore } from './postgres-event-store.js';

const script = fileURLToPath(new URL('../../../scripts/services/postgres.sh', import.meta.url));
let connectionString = '';
const schemas: string[] = [];

beforeAll(() => {
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  connectionString = execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim();
}, 600_000); // a cold start installs the service first

afterAll(async () => {
  if (!connectionString || schemas.length === 0) return;
  const client = new pg.Client({ connectionString });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
});

const freshSchema = () => {
  const s = `es_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  schemas.push(s);
  return s;
};

const event = (type: string, data: unknown = {}) => ({ id: randomUUID(), type, data });

eventStoreContract('postgres', () => postgresEventStore({ connectionString, schema: freshSchema() }));

describe('postgres event store', () => {
  it('looks events and streams up by index on every append, even in a new schema whose table looked empty when planned', async () => {
    const schema = freshSchema();
    const store = await postgresEventStore({ connectionString, schema });
    for (let i = 0; i < 200; i++) await store.append(`room-${i % 7}`, [event('MessagePosted', { i })], 'any');
    await store.close();
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      // The writer's statistics reach the shared counters within about a second of it going idle.
      const scans = async () =>
        (await client.query<{ seq: string; idx: string }>('SELECT seq_scan AS seq, idx_scan AS idx FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2', [schema, 'events'])).rows[0];
      const end = Date.now() + 10_000;
      let counted = await scans();
      while (Number(counted?.idx ?? 0) < 200 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        counted = await scans();
      }
      expect(Number(counted!.idx)).toBeGreaterThanOrEqual(200);
      // A plan that scanned the table would count one scan per append, each longer than the last.
      expect(Number(counted!.seq)).toBeLessThan(5);
    } finally {
      await client.end();
    }
  });

  it('keeps what it acknowledged across a reopen', async () => {
    const schema = freshSchema();
    const first = await postgresEventStore({ connectionString, schema });
    const ack = await first.append('room-1', [event('RoomCreated', { name: 'x' })], 'no_stream');
    await first.close();
    const second = await postgresEventStore({ connectionString, schema });
    expect(await second.headPosition()).toBe(ack.position);
    expect((await second.readStream('room-1')).map((e) => [e.type, e.data])).toEqual([['RoomCreated', { name: 'x' }]]);
    const next = await second.append('room-1', [event('RoomRenamed')], 0);
    expect(next.position).toBe(ack.position + 1);
    await second.close();
  });

  it('stores any text exactly: quotes, backslashes, dollar-quote tags and non-ASCII in ids, streams and payloads', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    const tricky = `it's "q" \\ \\n $p$ $p0$ $$ ; COMMIT; -- é 😀 \u2028`;
    const stream = `room-$p$'${randomUUID()}`;
    const id = `id-$p0$'${randomUUID()}`;
    const data = { text: tricky, nested: { list: [tricky, 1, null, true] } };
    await store.append(stream, [{ id, type: `T$p$'`, data, metadata: { note: tricky } }], 'no_stream');
    const [read] = await store.readStream(stream);
    expect(read).toMatchObject({ id, stream, revision: 0, type: `T$p$'`, data, metadata: { note: tricky } });
    // A retry of the same append is still recognised by its id.
    expect(await store.append(stream, [{ id, type: 'T', data: {} }], 'any')).toMatchObject({ duplicate: true, lastRevision: 0 });
    await store.close();
  });

  it('keeps a NUL in a payload on the append-by-append path as on the one-round-trip path', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    await store.append('s', [event('A')], 'no_stream');
    const data = { text: 'nul:\u0000', [`k\u0000`]: 'text:\\u0000' };
    // One batch with a missed revision in it: decided append by append.
    const results = await Promise.allSettled([store.append('s', [event('B')], 'no_stream'), store.append('t', [{ ...event('N'), data, metadata: data }], 'any')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    const [read] = await store.readStream('t');
    expect([read!.data, read!.metadata]).toEqual([data, data]);
    await store.close();
  });

  it('gives an encoded subscriber the JSON of exactly the events readAll gives, any text included, in order from its position', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    const tricky = `it's "q" \\ \\n $p$ é 😀 \u2028`;
    const withNul = `${tricky} nul:\u0000 text:\\u0000`;
    await store.append('s', [event('First')], 'no_stream');
    await store.append(`room-"${tricky}"`, [{ id: `id-"${tricky}"`, type: `T"${tricky}"`, data: { text: withNul, n: [1.5, -2, null, true], [`k\u0000`]: {} }, metadata: { note: withNul } }], 'any');
    // Appended one by one (a missed revision in the batch) and in one round trip: both are read back.
    await Promise.allSettled([store.append('s', [event('Missed')], 'no_stream'), store.append('t', [event('Plain', 'just a string'), event('Null', null)], 'any')]);
    const expected = await store.readAll(1, 100);
    expect(expected.map((e) => e.type)).toEqual([`T"${tricky}"`, 'Plain', 'Null']);

    const received: { position: number; stream: string; recordedAt: number; parsed: unknown }[] = [];
    const sub = store.subscribeToAllEncoded!(1, (batch) => {
      for (const e of batch) received.push({ position: e.position, stream: e.stream, recordedAt: e.recordedAt, parsed: JSON.parse(e.json) });
    });
    const end = Date.now() + 5000;
    while (received.length < expected.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    sub.close();
    await sub.done;
    expect(received).toEqual(expected.map((e) => ({ position: e.position, stream: e.stream, recordedAt: e.recordedAt, parsed: e })));
    await store.close();
  });

  it('commits concurrent appends in one batch without mixing their outcomes', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    await store.append('s', [event('A')], 'no_stream');
    const results = await Promise.allSettled([
      store.append('s', [event('B')], 0),
      store.append('s', [event('C')], 0),
      store.append('t', [event('D')], 'no_stream'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    await store.close();
  });

  it('decides one group commit in arrival order: numbers from the head and each stream, and a later append sees an earlier one', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    await store.append('b', [event('B0'), event('B1'), event('B2'), event('B3'), event('B4')], 'no_stream');
    // Not awaited one by one: all five go into one group commit.
    const results = await Promise.allSettled([
      store.append('a', [event('A0'), event('A1')], 'no_stream'),
      store.append('b', [event('B5')], 4),
      store.append('s', [event('S0')], 'no_stream'),
      store.append('s', [event('S0 again')], 'no_stream'),
      store.append('s', [event('S1')], 0),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof WrongExpectedRevisionError ? 'WrongExpectedRevisionError' : String(r.reason)))).toEqual([
      { lastRevision: 1, position: 7, duplicate: false },
      { lastRevision: 5, position: 8, duplicate: false },
      { lastRevision: 0, position: 9, duplicate: false },
      'WrongExpectedRevisionError',
      { lastRevision: 1, position: 10, duplicate: false },
    ]);
    const wrong = (results[3] as PromiseRejectedResult).reason as WrongExpectedRevisionError;
    expect([wrong.stream, wrong.expected, wrong.actual]).toEqual(['s', 'no_stream', 0]);
    expect((await store.readAll(0, 100)).map((e) => [e.position, e.stream, e.revision, e.type])).toEqual([
      [1, 'b', 0, 'B0'], [2, 'b', 1, 'B1'], [3, 'b', 2, 'B2'], [4, 'b', 3, 'B3'], [5, 'b', 4, 'B4'],
      [6, 'a', 0, 'A0'], [7, 'a', 1, 'A1'], [8, 'b', 5, 'B5'], [9, 's', 0, 'S0'], [10, 's', 1, 'S1'],
    ]);
    await store.close();
  });

  it('numbers a group commit whose appends all succeed exactly as append by append would', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    await store.append('b', [event('B0'), event('B1')], 'no_stream');
    const results = await Promise.all([
      store.append('a', [event('A0'), event('A1')], 'no_stream'),
      store.append('b', [event('B2')], 1),
      store.append('s', [event('S0')], 'no_stream'),
      store.append('b', [event('B3'), event('B4')], 'stream_exists'),
      store.append('s', [event('S1')], 0),
      store.append('a', [event('A2')], 'any'),
    ]);
    expect(results).toEqual([
      { lastRevision: 1, position: 4, duplicate: false },
      { lastRevision: 2, position: 5, duplicate: false },
      { lastRevision: 0, position: 6, duplicate: false },
      { lastRevision: 4, position: 8, duplicate: false },
      { lastRevision: 1, position: 9, duplicate: false },
      { lastRevision: 2, position: 10, duplicate: false },
    ]);
    expect((await store.readAll(0, 100)).map((e) => [e.position, e.stream, e.revision, e.type])).toEqual([
      [1, 'b', 0, 'B0'], [2, 'b', 1, 'B1'], [3, 'a', 0, 'A0'], [4, 'a', 1, 'A1'], [5, 'b', 2, 'B2'],
      [6, 's', 0, 'S0'], [7, 'b', 3, 'B3'], [8, 'b', 4, 'B4'], [9, 's', 1, 'S1'], [10, 'a', 2, 'A2'],
    ]);
    // The streams table carries each stream's last revision for the next batch.
    expect(await store.append('b', [event('B5')], 4)).toEqual({ lastRevision: 5, position: 11, duplicate: false });
    expect(await store.append('a', [event('A3')], 2)).toEqual({ lastRevision: 3, position: 12, duplicate: false });
    await store.close();
  });

  describe('append_fast, the one-round-trip commit', () => {
    const fast = async (schema: string, appends: unknown[], records: unknown[]) => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        const { rows } = await client.query<{ a: number; last_revision: number; pos: string }>(
          `SELECT a, last_revision, pos FROM "${schema}".append_fast($1::json, $2::json, 1234, 'unused_channel')`,
          [JSON.stringify(appends), JSON.stringify(records)],
        );
        return rows.map((r) => [r.a, r.last_revision, Number(r.pos)]);
      } finally {
        await client.end();
      }
    };
    const record = (a: number, i: number, id: string = randomUUID()) => ({ a, i, id, type: 'T', data: { a, i }, metadata: {} });

    it('writes a batch and answers one row per append', async () => {
      const schema = freshSchema();
      const store = await postgresEventStore({ connectionString, schema });
      await store.append('s', [event('S0')], 'no_stream');
      const answer = await fast(
        schema,
        [{ a: 0, stream: 's', expected: '0', n: 2 }, { a: 1, stream: 't', expected: 'no_stream', n: 1 }, { a: 2, stream: 's', expected: '2', n: 1 }],
        [record(0, 1), record(0, 2), record(1, 1), record(2, 1)],
      );
      expect(answer.sort((x, y) => x[0]! - y[0]!)).toEqual([[0, 2, 3], [1, 0, 4], [2, 3, 5]]);
      expect((await store.readAll(0, 10)).map((e) => [e.position, e.stream, e.revision, e.data, e.recordedAt])).toEqual([
        [1, 's', 0, {}, expect.any(Number)], [2, 's', 1, { a: 0, i: 1 }, 1234], [3, 's', 2, { a: 0, i: 2 }, 1234], [4, 't', 0, { a: 1, i: 1 }, 1234], [5, 's', 3, { a: 2, i: 1 }, 1234],
      ]);
      await store.close();
    });

    it.each([
      ['a stored id', (stored: string) => [[{ a: 0, stream: 's', expected: 'any', n: 1 }], [record(0, 1, stored)]]],
      ['an id twice in the batch', () => [[{ a: 0, stream: 's', expected: 'any', n: 1 }, { a: 1, stream: 't', expected: 'any', n: 1 }], [record(0, 1, 'x'), record(1, 1, 'x')]]],
      ['a missed revision after an earlier append of the batch', () => [[{ a: 0, stream: 's', expected: '0', n: 1 }, { a: 1, stream: 's', expected: '0', n: 1 }], [record(0, 1), record(1, 1)]]],
      ['no_stream on an existing stream', () => [[{ a: 0, stream: 's', expected: 'no_stream', n: 1 }], [record(0, 1)]]],
      ['stream_exists on a new stream', () => [[{ a: 0, stream: 'new', expected: 'stream_exists', n: 1 }], [record(0, 1)]]],
    ] satisfies Array<[string, (stored: string) => unknown[][]]>)('answers no rows and writes nothing for %s', async (_, batch) => {
      const schema = freshSchema();
      const store = await postgresEventStore({ connectionString, schema });
      const stored = event('S0');
      await store.append('s', [stored], 'no_stream');
      const [appends, records] = batch(stored.id) as [unknown[], unknown[]];
      expect(await fast(schema, appends, records)).toEqual([]);
      expect(await store.headPosition()).toBe(1);
      // Nor did it move a stream's revision.
      expect(await store.append('s', [event('S1')], 0)).toMatchObject({ lastRevision: 1, position: 2 });
      await store.close();
    });
  });

  it('rejects an append that repeats an id inside itself, and writes nothing of it', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    const twice = event('T');
    await expect(store.append('s', [twice, { ...twice }], 'any')).rejects.toThrow(/already stored or repeated/);
    expect(await store.headPosition()).toBe(0);
    await store.close();
  });

  it('answers a retry that races its original in the same batch as a duplicate', async () => {
    const store = await postgresEventStore({ connectionString, schema: freshSchema() });
    const events = [event('A'), event('B')];
    const [first, retry] = await Promise.all([store.append('s', events, 'no_stream'), store.append('s', events, 'no_stream')]);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(await store.readStream('s')).toHaveLength(2);
    await store.close();
  });

  it('gives a gapless, commit-ordered global log to a live subscriber while two stores write concurrently', async () => {
    // Two store instances = two writer connections, as two api processes would have.
    const schema = freshSchema();
    const a = await postgresEventStore({ connectionString, schema });
    const b = await postgresEventStore({ connectionString, schema });
    const seen: StoredEvent[] = [];
    const total = 400;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const sub = a.subscribeToAll(0, (batch) => {
      seen.push(...batch);
      if (seen.length >= total) resolveAll();
    }, { pollMs: 1000, batchSize: 37 });
    await Promise.all(
      Array.from({ length: total }, (_, i) => (i % 2 === 0 ? a : b).append(`room-${i % 10}`, [event('W', { i })], 'any')),
    );
    await all;
    sub.close();
    await sub.done;
    expect(seen.map((e) => e.position)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (let room = 0; room < 10; room++) {
      const revisions = seen.filter((e) => e.stream === `room-${room}`).map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: total / 10 }, (_, i) => i));
    }
    await a.close();
    await b.close();
  });

  it('wakes a subscriber through NOTIFY when another process appends, well before the poll interval', async () => {
    const schema = freshSchema();
    const reader = await postgresEventStore({ connectionString, schema });
    const writer = await postgresEventStore({ connectionString, schema });
    let started = 0;
    let arrived = 0;
    let resolveSeen!: () => void;
    const seenOne = new Promise<void>((r) => (resolveSeen = r));
    const sub = reader.subscribeToAll(0, () => {
      arrived = performance.now();
      resolveSeen();
    }, { pollMs: 10_000 });
    // Give the LISTEN connection a moment to be up, then write from the other instance.
    await new Promise((r) => setTimeout(r, 300));
    started = performance.now();
    await writer.append('room-x', [event('Hello')], 'any');
    await seenOne;
    sub.close();
    await sub.done;
    expect(arrived - started).toBeLessThan(2_000);
    await reader.close();
    await writer.close();
  });

  it('reopens its writer connection after the server drops it', async () => {
    const schema = freshSchema();
    const store = await postgresEventStore({ connectionString, schema });
    await store.append('s', [event('A')], 'no_stream');
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`parley-event-store-writer:${schema}`]);
    await admin.end();
    expect(killed.rowCount).toBe(1);
    // The first append after the drop may fail (its connection is gone); a retry goes through.
    const retry = async () => {
      try {
        return await store.append('s', [event('B')], 0);
      } catch {
        return store.append('s', [event('B')], 0);
      }
    };
    expect((await retry()).lastRevision).toBe(1);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
    await store.close();
  });

  it('rejects an append that reuses a stored event id under a new first id, and appends nothing of it', async () => {
    const store: EventStore = await postgresEventStore({ connectionString, schema: freshSchema() });
    const a = event('A');
    await store.append('s', [a], 'no_stream');
    await expect(store.append('s', [event('B'), a], 'any')).rejects.toThrow(/already stored/);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A']);
    await store.close();
  });
});
