import { roomStream } from '@parley/contracts';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, auditLogProjection, type AuditLogQuery } from '../audit-log/index.js';
import { sqliteProjector, type StoredEventLike } from '../shared/index.js';
import { mod, owner, spammer, streamRoomScenario, t0 } from '../testing/index.js';
import {
  activeViewers,
  clickhouseAuditLog,
  clickhouseProjector,
  clickhouseTables,
  ingressBySource,
  messagesPerMinute,
  moderationActions,
  rowsOf,
  searchMessages,
  viewerSampleRecorder,
  type ClickhouseProjector,
  type ClickhouseTable,
} from './index.js';
import { freshDatabaseName, testClickhouse, type TestClickhouse } from './testing/index.js';

/*
 * Against the real ClickHouse 18.16 started by scripts/services/clickhouse.sh, one fresh
 * database per projector.
 */

const minute = (ms: number) => ms - (ms % 60_000);
const hour = (ms: number) => ms - (ms % 3_600_000);
const day = (ms: number) => ms - (ms % 86_400_000);

/** The shared scenario plus ingress traffic in later minutes and moderation in a later hour. */
function scenario() {
  const log = streamRoomScenario();
  const ingress = (id: string, at: number, text: string, source?: string, userId?: string) =>
    log.append('lobby', {
      type: 'ChatMessagePosted',
      data: {
        roomId: 'lobby',
        messageId: id,
        kind: 'chat',
        payload: { text, displayName: userId ?? 'webhook', ...(source ? { source } : {}), ...(userId ? { userId } : {}) },
        sender: userId ? `${source ?? 'webhook'}:${userId}` : null,
        visibility: 'all',
        via: 'ingress',
        at,
      },
    });
  ingress('i1', t0 + 60_000, 'GG well played', 'twitch', 'alice');
  ingress('i2', t0 + 61_000, 'Hello from Twitch', 'twitch', 'bob');
  ingress('i3', t0 + 62_000, 'hello again, hello!', 'twitch', 'alice');
  ingress('i4', t0 + 63_000, 'Grüße aus Köln — HELLO', 'youtube', 'carl');
  ingress('i5', t0 + 120_000, 'webhook says hello', undefined, undefined);
  log.append('lobby', { type: 'ChatMessageRemoved', data: { roomId: 'lobby', messageId: 'i1', actor: mod, reason: null, at: t0 + 3_600_000 } });
  log.append('lobby', { type: 'UserModerated', data: { roomId: 'lobby', action: 'ban', target: 'twitch:alice', until: null, reason: 'toxic', actor: owner, at: t0 + 3_600_500 } });
  return log;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** A fixed permutation: deterministic, far from global order. */
const shuffled = <T>(items: readonly T[]): T[] => {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

const auditQueries: AuditLogQuery[] = [
  {},
  { roomId: 'anon' },
  { actor: mod },
  { target: spammer },
  { action: 'room.created' },
  { action: ['user.mute', 'user.unmute'] },
  { action: 'room.api_key_rotated' },
  { since: t0 + 3_000, until: t0 + 4_000 },
  { roomId: 'lobby', actor: owner, action: 'room.updated', since: t0 + 2_000 },
  { limit: 5 },
  { limit: 5, after: 15 },
];

let ch: TestClickhouse;
const databases: string[] = [];
const log = scenario();
const events: readonly StoredEventLike[] = log.events;

async function projectorWith(feed: (p: ClickhouseProjector) => Promise<void>): Promise<{ database: string; projector: ClickhouseProjector }> {
  const database = freshDatabaseName('parley_chproj');
  databases.push(database);
  const projector = clickhouseProjector({ client: ch.client, database });
  await projector.migrate();
  await feed(projector);
  return { database, projector };
}

/** Every event-fed answer the admin API can give, for comparing two databases. */
async function answers(database: string) {
  const c = ch.client;
  const range = { since: t0 - 3_600_000, until: t0 + 7_200_000 };
  return {
    audit: await Promise.all(auditQueries.map((q) => clickhouseAuditLog(c, database, q))),
    history: await searchMessages(c, database, { includeStealth: true, limit: 200 }),
    searches: await Promise.all(
      ['hello', 'HELLO again', 'grüße', 'buy followers', 'nothing-here'].map((text) => searchMessages(c, database, { text, includeStealth: true })),
    ),
    perMinute: await messagesPerMinute(c, database, range),
    ingress: await ingressBySource(c, database, range),
    moderationHourly: await moderationActions(c, database, { ...range, bucket: 'hour' }),
    moderationDaily: await moderationActions(c, database, { ...range, bucket: 'day' }),
  };
}

/** Rows as stored, duplicates included: no FINAL, and nothing here runs OPTIMIZE. */
async function rawRowCounts(database: string): Promise<Record<ClickhouseTable, number>> {
  const count = async (table: ClickhouseTable) => {
    const [row] = await ch.client.query({ query: `SELECT count() AS n FROM ${database}.${table}`, format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>());
    return [table, Number(row!.n)] as const;
  };
  return Object.fromEntries(await Promise.all(clickhouseTables.map(count))) as Record<ClickhouseTable, number>;
}

let main: { database: string; projector: ClickhouseProjector };

beforeAll(async () => {
  ch = await testClickhouse('parley_chproj');
  main = await projectorWith(async (p) => {
    await p.applyBatch(events);
  });
}, 120_000);

afterAll(async () => {
  for (const database of databases) await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await ch.drop();
});

describe('ClickHouse audit log', () => {
  it('answers every query exactly as the SQLite audit log does', async () => {
    const db = new Database(':memory:');
    sqliteProjector({ db, projections: [auditLogProjection] }).applyBatch(events);
    for (const q of auditQueries) expect(await clickhouseAuditLog(ch.client, main.database, q), JSON.stringify(q)).toEqual(auditLog(db, q));
    const all = await clickhouseAuditLog(ch.client, main.database);
    expect(all.entries.map((e) => e.action)).toEqual([
      'user.ban',
      'message.removed',
      'user.ban',
      'room.updated',
      'room.created',
      'user.unmute',
      'user.mute',
      'room.webhook_secret_rotated',
      'room.api_key_rotated',
      'message.removed',
      'user.stealth',
      'room.updated',
      'room.created',
      'room.created',
    ]);
    expect(all.entries[0]).toEqual({ position: events.length, roomId: 'lobby', actor: owner, action: 'user.ban', changedFields: null, target: 'twitch:alice', reason: 'toxic', until: null, at: t0 + 3_600_500 });
  });

  it('pages newest first with the position cursor', async () => {
    const seen: number[] = [];
    let after: number | undefined;
    do {
      const page = await clickhouseAuditLog(ch.client, main.database, { limit: 4, ...(after !== undefined ? { after } : {}) });
      seen.push(...page.entries.map((e) => e.position));
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);
    expect(seen).toEqual((await clickhouseAuditLog(ch.client, main.database)).entries.map((e) => e.position));
    expect(seen).toHaveLength(14);
  });

  it('keeps no credential anywhere', async () => {
    const dump = JSON.stringify(await ch.client.query({ query: `SELECT * FROM ${main.database}.audit_log`, format: 'JSONEachRow' }).then((r) => r.json()));
    for (const secret of ['argon2id', 'whsec_', 'sk_live_']) expect(dump).not.toContain(secret);
  });
});

describe('ClickHouse message history and search', () => {
  const ids = (page: { items: { messageId: string }[] }) => page.items.map((m) => m.messageId);

  it('keeps every message with its fields, newest first, removals flagged', async () => {
    const history = await searchMessages(ch.client, main.database, { roomId: 'lobby', includeStealth: true });
    expect(ids(history)).toEqual(['i5', 'i4', 'i3', 'i2', 'i1', 'm4', 'm3', 'm2', 'm1']);
    const byId = new Map(history.items.map((m) => [m.messageId, m]));
    expect(byId.get('m2')).toMatchObject({ removed: true, text: 'buy followers', sender: spammer, via: 'socket', source: '' });
    expect(byId.get('i1')).toMatchObject({ removed: true, source: 'twitch', sender: 'twitch:alice' });
    expect(byId.get('m4')).toEqual({
      position: 12,
      roomId: 'lobby',
      seq: 9,
      messageId: 'm4',
      kind: 'event',
      text: 'Thanks for the $5!',
      displayName: 'webhook',
      sender: null,
      source: 'webhook',
      via: 'ingress',
      visibility: 'all',
      removed: false,
      at: t0 + 2_500,
    });
    expect(history.items.filter((m) => m.removed).map((m) => m.messageId)).toEqual(['i1', 'm2']);
  });

  it('shows stealth messages only when asked (admins)', async () => {
    expect(ids(await searchMessages(ch.client, main.database, { roomId: 'lobby', sender: spammer }))).toEqual(['m2']);
    expect(ids(await searchMessages(ch.client, main.database, { roomId: 'lobby', sender: spammer, includeStealth: true }))).toEqual(['m3', 'm2']);
    expect(ids(await searchMessages(ch.client, main.database, { text: 'still here' }))).toEqual([]);
    expect(ids(await searchMessages(ch.client, main.database, { text: 'STILL here', includeStealth: true }))).toEqual(['m3']);
  });

  it('finds whole words in any case, all words required', async () => {
    const find = async (text: string, extra = {}) => ids(await searchMessages(ch.client, main.database, { text, includeStealth: true, ...extra }));
    expect(await find('hello')).toEqual(['i5', 'i4', 'i3', 'i2', 'm1']);
    expect(await find('HeLLo')).toEqual(['i5', 'i4', 'i3', 'i2', 'm1']);
    expect(await find('hello again')).toEqual(['i3']);
    expect(await find('again hello!!')).toEqual(['i3']);
    expect(await find('GRÜSSE')).toEqual([]); // words, not transliterations
    expect(await find('grüße köln')).toEqual(['i4']);
    expect(await find('hell')).toEqual([]); // whole words only
    expect(await find('followers')).toEqual(['m2']);
    expect(await find('SOUNDCHECK')).toEqual(['s1']);
    expect(await find('?!')).toEqual([]);
    expect(await find("it's \\ 'quoted'")).toEqual([]);
  });

  it('filters by room, sender and time range, and pages', async () => {
    const find = async (q: object) => ids(await searchMessages(ch.client, main.database, { text: 'hello', ...q }));
    expect(await find({ roomId: 'studio' })).toEqual([]);
    expect(await find({ roomId: 'lobby' })).toEqual(['i5', 'i4', 'i3', 'i2', 'm1']);
    expect(await find({ sender: 'twitch:alice' })).toEqual(['i3']);
    expect(await find({ sender: "x' OR 1 = 1 OR '" })).toEqual([]);
    expect(await find({ since: t0 + 61_000, until: t0 + 63_000 })).toEqual(['i4', 'i3', 'i2']);
    expect(await find({ until: t0 + 60_000 })).toEqual(['m1']);
    const first = await searchMessages(ch.client, main.database, { text: 'hello', limit: 2 });
    expect(ids(first)).toEqual(['i5', 'i4']);
    expect(first.nextCursor).toBe(first.items[1]!.position);
    const second = await searchMessages(ch.client, main.database, { text: 'hello', limit: 2, after: first.nextCursor! });
    expect(ids(second)).toEqual(['i3', 'i2']);
    const last = await searchMessages(ch.client, main.database, { text: 'hello', limit: 2, after: second.nextCursor! });
    expect(ids(last)).toEqual(['m1']);
    expect(last.nextCursor).toBeNull();
  });
});

describe('ClickHouse admin stats', () => {
  const range = { since: t0 - 3_600_000, until: t0 + 7_200_000 };

  it('counts messages per room per minute exactly', async () => {
    const m0 = minute(t0);
    expect(await messagesPerMinute(ch.client, main.database, range)).toEqual({
      truncated: false,
      rows: [
        { roomId: 'lobby', minute: m0, messages: 4 },
        { roomId: 'lobby', minute: m0 + 60_000, messages: 4 },
        { roomId: 'lobby', minute: m0 + 120_000, messages: 1 },
        { roomId: 'studio', minute: minute(t0 + 5_100), messages: 1 },
      ],
    });
    expect((await messagesPerMinute(ch.client, main.database, { ...range, roomId: 'studio' })).rows).toEqual([{ roomId: 'studio', minute: m0, messages: 1 }]);
    expect((await messagesPerMinute(ch.client, main.database, { since: t0 + 60_000, until: t0 + 61_999 })).rows).toEqual([{ roomId: 'lobby', minute: m0 + 60_000, messages: 2 }]);
  });

  it('counts ingress by source, a missing source as webhook', async () => {
    expect(await ingressBySource(ch.client, main.database, range)).toEqual([
      { source: 'twitch', messages: 3 },
      { source: 'webhook', messages: 2 },
      { source: 'youtube', messages: 1 },
    ]);
    expect(await ingressBySource(ch.client, main.database, { since: t0 + 100_000, until: t0 + 200_000 })).toEqual([{ source: 'webhook', messages: 1 }]);
  });

  it('counts moderation actions per action per hour and per day', async () => {
    const h0 = hour(t0);
    expect((await moderationActions(ch.client, main.database, { ...range, bucket: 'hour' })).rows).toEqual([
      { start: h0, action: 'message.removed', count: 1 },
      { start: h0, action: 'user.ban', count: 1 },
      { start: h0, action: 'user.mute', count: 1 },
      { start: h0, action: 'user.stealth', count: 1 },
      { start: h0, action: 'user.unmute', count: 1 },
      { start: h0 + 3_600_000, action: 'message.removed', count: 1 },
      { start: h0 + 3_600_000, action: 'user.ban', count: 1 },
    ]);
    expect(day(t0 + 3_600_500)).toBe(day(t0));
    expect((await moderationActions(ch.client, main.database, { ...range, bucket: 'day' })).rows).toEqual([
      { start: day(t0), action: 'message.removed', count: 2 },
      { start: day(t0), action: 'user.ban', count: 2 },
      { start: day(t0), action: 'user.mute', count: 1 },
      { start: day(t0), action: 'user.stealth', count: 1 },
      { start: day(t0), action: 'user.unmute', count: 1 },
    ]);
    expect((await moderationActions(ch.client, main.database, { ...range, bucket: 'day', roomId: 'studio' })).rows).toEqual([]);
  });

  it('sums each node’s latest fresh viewer sample per room', async () => {
    const record = viewerSampleRecorder(ch.client, main.database);
    const T = t0 + 10 * 60_000;
    const samples = [
      { node: 'fan-a', room: 'lobby', at: T, viewers: 5 },
      { node: 'fan-a', room: 'lobby', at: T + 5_000, viewers: 7 },
      { node: 'fan-b', room: 'lobby', at: T + 3_000, viewers: 2 },
      { node: 'fan-b', room: 'studio', at: T + 3_000, viewers: 1 },
      { node: 'fan-c', room: 'lobby', at: T - 60_000, viewers: 100 },
      { node: 'fan-a', room: 'studio', at: T + 5_000, viewers: 0 },
    ];
    await record(samples);
    await record(samples.slice(1, 3)); // a node that re-sends changes nothing
    const at = (ms: number, roomId?: string) => activeViewers(ch.client, main.database, { at: ms, ...(roomId ? { roomId } : {}) });
    expect(await at(T + 6_000)).toEqual([
      { roomId: 'lobby', viewers: 9, nodes: 2 },
      { roomId: 'studio', viewers: 1, nodes: 2 },
    ]);
    expect(await at(T + 4_000)).toEqual([
      { roomId: 'lobby', viewers: 7, nodes: 2 },
      { roomId: 'studio', viewers: 1, nodes: 1 },
    ]);
    expect(await at(T + 6_000, 'studio')).toEqual([{ roomId: 'studio', viewers: 1, nodes: 2 }]);
    expect(await at(T - 50_000)).toEqual([{ roomId: 'lobby', viewers: 100, nodes: 1 }]);
    expect(await at(T + 40_000)).toEqual([]); // every sample is older than 30 s: the nodes are gone
    await expect(record([{ node: 'fan-a', room: 'lobby', at: T, viewers: -1 }])).rejects.toThrow(/viewer count/);
  });
});

describe('ClickHouse projector: idempotent and order-independent', () => {
  it('answers identically after the same batch twice, out of order, and split differently', async () => {
    const expected = await answers(main.database);

    const twice = await projectorWith(async (p) => {
      await p.applyBatch(events);
      await p.applyBatch(events);
    });
    expect(await answers(twice.database)).toEqual(expected);

    const reversed = await projectorWith(async (p) => {
      for (const chunk of chunks([...events].reverse(), 4)) await p.applyBatch(chunk);
    });
    expect(await answers(reversed.database)).toEqual(expected);

    const scrambled = await projectorWith(async (p) => {
      const order = shuffled(events);
      // Overlapping, concurrent, out-of-order batches, as several bus partitions would deliver them.
      await Promise.all(chunks(order, 5).map((chunk, i) => p.applyBatch([...chunk, ...order.slice(i * 5 + 5, i * 5 + 7)])));
    });
    expect(await answers(scrambled.database)).toEqual(expected);
  });

  it('adds no row to any table when batches are replayed, split differently, by a restarted projector, or hold an event twice', async () => {
    const samples = [
      { node: 'fan-a', room: 'lobby', at: t0, viewers: 3 },
      { node: 'fan-b', room: 'lobby', at: t0, viewers: 4 },
      { node: 'fan-a', room: 'lobby', at: t0 + 5_000, viewers: 2 },
    ];
    const { database, projector } = await projectorWith(async (p) => {
      await p.applyBatch(events);
    });
    const record = viewerSampleRecorder(ch.client, database);
    await record(samples);
    const once = await rawRowCounts(database);
    expect(once).toEqual({ audit_log: 17, messages: 10, message_removals: 2, viewer_samples: 3, projector_positions: 1 });

    expect(await projector.applyBatch(events)).toEqual({ events: events.length, rows: 0, position: events.length });
    for (const chunk of chunks([...events].reverse(), 4)) await projector.applyBatch(chunk);
    // A restarted projector that did not catch up first (Kafka redelivers from the committed offsets).
    const restarted = clickhouseProjector({ client: ch.client, database });
    expect((await restarted.applyBatch(events.slice(3))).rows).toBe(0);
    await restarted.flushPosition();
    await record(samples);
    await record([...samples.slice(1), samples[1]!]);
    expect(await rawRowCounts(database)).toEqual(once);

    const doubled = await projectorWith(async (p) => {
      await p.applyBatch([...events, ...events]);
    });
    expect(await rawRowCounts(doubled.database)).toEqual({ ...once, viewer_samples: 0 });
    expect(await answers(doubled.database)).toEqual(await answers(main.database));
  });

  it('checks a batch whose keys are longer than a default query (256 KiB)', async () => {
    const big = Array.from({ length: 6_000 }, (_, i): StoredEventLike => {
      const at = t0 + i;
      const data = { roomId: 'big', messageId: `big-${i}`, kind: 'chat', payload: { text: 'hi' }, sender: null, visibility: 'all', via: 'api', at };
      return { id: randomUUID(), stream: roomStream('big'), revision: i, position: i + 1, type: 'ChatMessagePosted', data, metadata: {}, recordedAt: at };
    });
    const { projector } = await projectorWith(async (p) => {
      await p.applyBatch(big);
    });
    expect((await projector.applyBatch(big)).rows).toBe(0);
  });

  it('answers the same when rows got in twice past the check (racing writers, a crash between check and insert)', async () => {
    const { database } = await projectorWith(async (p) => {
      await p.applyBatch(events);
    });
    for (const [table, rows] of Object.entries(rowsOf(events))) {
      await ch.client.insert({ table: `${database}.${table}`, values: rows as object[], format: 'JSONEachRow' });
    }
    expect(await rawRowCounts(database)).toMatchObject({ audit_log: 2 * 17, messages: 2 * 10, message_removals: 2 * 2 });
    expect(await answers(database)).toEqual(await answers(main.database));
  });

  it('rebuilds from the log to identical answers, and catches up from its recorded position', async () => {
    const expected = await answers(main.database);
    const { database, projector } = await projectorWith(async (p) => {
      await p.applyBatch(events.slice(0, 10));
    });
    expect(await projector.recordedPosition()).toBe(10);
    expect(await projector.catchUp(log.readAll, { batchSize: 7 })).toBe(events.length);
    expect(await answers(database)).toEqual(expected);
    expect(await projector.rebuild(log.readAll, { batchSize: 3 })).toBe(events.length);
    expect(await answers(database)).toEqual(expected);
    expect(await projector.recordedPosition()).toBe(events.length);

    // A restart resumes at the recorded position and counts it as applied.
    const restarted = clickhouseProjector({ client: ch.client, database });
    expect(restarted.highestApplied()).toBe(0);
    let reads = 0;
    expect(await restarted.catchUp((after, limit) => (reads++, log.readAll(after, limit)))).toBe(events.length);
    expect(reads).toBe(1);
    expect(restarted.highestApplied()).toBe(events.length);
    await expect(restarted.waitFor(events.length, 10)).resolves.toBe(true);
  });

  it('waits for a position and records events of other streams as applied', async () => {
    const { projector } = await projectorWith(async () => {});
    const waiting = projector.waitFor(3, 5_000);
    await projector.applyBatch([
      { id: 'x1', stream: 'server-1', revision: 0, position: 3, type: 'ServerCreated', data: {}, metadata: {}, recordedAt: t0 },
    ]);
    await expect(waiting).resolves.toBe(true);
    expect(projector.highestApplied()).toBe(3);
    await expect(projector.waitFor(4, 20)).resolves.toBe(false);
  });
});
