import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteProjector } from '../shared/index.js';
import { dumpTables, mod, owner, roomLog, spammer, streamRoomScenario, t0, viewer } from '../testing/index.js';
import type { StoredEventLike } from '../shared/index.js';
import {
  attachEventLog,
  framesAfter,
  history,
  messageStatus,
  timelineCoverage,
  timelineOverLogTables,
  timelineProjection,
  timelineTables,
  type TimelineViewer,
} from './index.js';

/** Applies the events in one batch, or in one batch each. */
const applyAll = (projector: { applyBatch(events: StoredEventLike[]): void }, events: StoredEventLike[], oneByOne: boolean) => {
  if (oneByOne) for (const event of events) projector.applyBatch([event]);
  else projector.applyBatch(events);
};

function timelineOf(events = streamRoomScenario().events, keepPerRoom?: number, oneByOne = false) {
  const db = new Database(':memory:');
  const projector = sqliteProjector({ db, projections: [timelineProjection({ keepPerRoom })] });
  applyAll(projector, events, oneByOne);
  return { db, projector };
}

/** The events table as the SQLite event store writes it (infra/event-store/sqlite/sqlite-writer.mjs). */
const eventLogSchema = `
  CREATE TABLE log.events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL, UNIQUE (stream, revision)
  )`;

/** The timeline over the log: the events in an attached log table, the projection beside it. */
function timelineOverLogOf(events = streamRoomScenario().events, oneByOne = false) {
  const db = new Database(':memory:');
  attachEventLog(db, ':memory:');
  db.exec(eventLogSchema);
  const insert = db.prepare('INSERT INTO log.events (position, id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const e of events) insert.run(e.position, e.id, e.stream, e.revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt);
  const projector = sqliteProjector({ db, projections: [timelineProjection({ messagesIn: 'log' })] });
  applyAll(projector, events, oneByOne);
  return { db, projector };
}

/** The events as the api node appends them now: a post's event id is its message id. */
const postsByMessageId = (events: StoredEventLike[]) =>
  events.map((e) => (e.type === 'ChatMessagePosted' ? { ...e, id: (e.data as { messageId: string }).messageId } : e));

const forms = [
  { form: 'copying messages', open: (events?: StoredEventLike[], oneByOne?: boolean) => timelineOf(events, undefined, oneByOne), tables: timelineTables },
  {
    form: 'over the event log, posts found by their ids',
    open: (events = streamRoomScenario().events, oneByOne?: boolean) => timelineOverLogOf(postsByMessageId(events), oneByOne),
    tables: timelineOverLogTables,
  },
  { form: 'over the event log, posts of other ids', open: timelineOverLogOf, tables: timelineOverLogTables },
];

const anonymous: TimelineViewer = { userId: null, isModerator: false };
const asViewer: TimelineViewer = { userId: viewer, isModerator: false };
const asSpammer: TimelineViewer = { userId: spammer, isModerator: false };
const asModerator: TimelineViewer = { userId: mod, isModerator: true };
const ids = (page: { messages: { messageId: string }[] }) => page.messages.map((m) => m.messageId);

describe.each(forms)('timeline projection, $form', ({ open, tables }) => {
  it('stores each message by room sequence number, oldest first', () => {
    const { db } = open();
    const page = history(db, 'lobby', { viewer: asModerator });
    expect(page.hasMore).toBe(false);
    expect(page.messages).toEqual([
      { roomId: 'lobby', seq: 4, messageId: 'm1', kind: 'chat', payload: { text: 'hello', displayName: viewer }, sender: viewer, visibility: 'all', via: 'socket', at: t0 + 2_000, removed: false, removedAt: null },
      { roomId: 'lobby', seq: 5, messageId: 'm2', kind: 'chat', payload: null, sender: spammer, visibility: 'all', via: 'socket', at: t0 + 2_100, removed: true, removedAt: t0 + 2_400 },
      { roomId: 'lobby', seq: 7, messageId: 'm3', kind: 'chat', payload: { text: 'still here?', displayName: spammer }, sender: spammer, visibility: 'moderators_and_sender', via: 'socket', at: t0 + 2_300, removed: false, removedAt: null },
      { roomId: 'lobby', seq: 9, messageId: 'm4', kind: 'event', payload: { text: 'Thanks for the $5!', displayName: 'webhook' }, meta: { donation: 5 }, sender: null, visibility: 'all', via: 'ingress', at: t0 + 2_500, removed: false, removedAt: null },
    ]);
    expect(ids(history(db, 'studio', { viewer: anonymous }))).toEqual(['s1']);
    expect(history(db, 'nowhere', { viewer: anonymous })).toEqual({ messages: [], hasMore: false });
  });

  it('shows stealth messages only to moderators and their sender', () => {
    const { db } = open();
    expect(ids(history(db, 'lobby', { viewer: anonymous }))).toEqual(['m1', 'm2', 'm4']);
    expect(ids(history(db, 'lobby', { viewer: asViewer }))).toEqual(['m1', 'm2', 'm4']);
    expect(ids(history(db, 'lobby', { viewer: asSpammer }))).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(ids(history(db, 'lobby', { viewer: asModerator }))).toEqual(['m1', 'm2', 'm3', 'm4']);
    // The page size counts only what the viewer may see.
    expect(history(db, 'lobby', { viewer: asViewer, limit: 2 })).toMatchObject({ hasMore: true });
    expect(ids(history(db, 'lobby', { viewer: asViewer, limit: 2 }))).toEqual(['m2', 'm4']);
  });

  it('hides the content of removed messages from everyone and erases it from storage', () => {
    const { db } = open();
    for (const v of [anonymous, asSpammer, asModerator]) {
      const m2 = history(db, 'lobby', { viewer: v }).messages.find((m) => m.messageId === 'm2')!;
      expect(m2).toMatchObject({ removed: true, payload: null });
      expect(m2).not.toHaveProperty('meta');
    }
    const dump = JSON.stringify(dumpTables(db, tables));
    expect(dump).not.toContain('buy followers');
    expect(dump).not.toContain('campaign');
  });

  it('pages backwards with before and forwards with after', () => {
    const { db } = open();
    expect(ids(history(db, 'lobby', { viewer: asModerator, before: 9, limit: 2 }))).toEqual(['m2', 'm3']);
    expect(history(db, 'lobby', { viewer: asModerator, before: 9, limit: 2 }).hasMore).toBe(true);
    expect(history(db, 'lobby', { viewer: asModerator, before: 5, limit: 2 })).toMatchObject({ hasMore: false });
    expect(ids(history(db, 'lobby', { viewer: asModerator, after: 4, limit: 2 }))).toEqual(['m2', 'm3']);
    expect(history(db, 'lobby', { viewer: asModerator, after: 4, limit: 2 }).hasMore).toBe(true);
    expect(ids(history(db, 'lobby', { viewer: asModerator, after: 4, before: 9 }))).toEqual(['m2', 'm3']);
    expect(ids(history(db, 'lobby', { viewer: asViewer, after: 5 }))).toEqual(['m4']);
  });

  it('clamps the history page to 200 messages', () => {
    const log = roomLog();
    for (let i = 0; i < 250; i++) {
      log.append('busy', { type: 'ChatMessagePosted', data: { roomId: 'busy', messageId: `b${i}`, kind: 'chat', payload: { text: `${i}` }, sender: owner, visibility: 'all', via: 'api', at: t0 + i } });
    }
    const { db } = open(log.events);
    const page = history(db, 'busy', { viewer: anonymous, limit: 1_000 });
    expect(page.messages).toHaveLength(200);
    expect(page.messages[0]!.seq).toBe(50);
    expect(page.hasMore).toBe(true);
    expect(history(db, 'busy', { viewer: anonymous }).messages).toHaveLength(50);
  });

  it('replays posts and removals after a seq for a resuming client', () => {
    const { db } = open();
    expect(framesAfter(db, 'lobby', 4, 100).map((f) => [f.type, f.seq])).toEqual([
      ['message', 5],
      ['message', 7],
      ['removed', 8],
      ['message', 9],
    ]);
    expect(framesAfter(db, 'lobby', 4, 100, asViewer).map((f) => f.seq)).toEqual([5, 8, 9]);
    expect(framesAfter(db, 'lobby', 4, 2).map((f) => f.seq)).toEqual([5, 7]);
    expect(framesAfter(db, 'lobby', 7, 100)[0]).toEqual({ type: 'removed', seq: 8, roomId: 'lobby', messageId: 'm2', at: t0 + 2_400 });
    expect(framesAfter(db, 'lobby', 9, 100)).toEqual([]);
    expect(timelineCoverage(db, 'lobby')).toEqual({ lastSeq: 15, completeFrom: 0 });
    expect(timelineCoverage(db, 'studio')).toEqual({ lastSeq: 1, completeFrom: 0 });
    expect(timelineCoverage(db, 'nowhere')).toBeUndefined();
  });

  it('hides the removal of a stealth message as the message itself was hidden', () => {
    const log = streamRoomScenario();
    log.append('lobby', { type: 'ChatMessageRemoved', data: { roomId: 'lobby', messageId: 'm3', actor: mod, reason: null, at: t0 + 9_000 } });
    const { db } = open(log.events);
    expect(framesAfter(db, 'lobby', 15, 10, asViewer)).toEqual([]);
    expect(framesAfter(db, 'lobby', 15, 10, asSpammer).map((f) => f.type)).toEqual(['removed']);
    expect(framesAfter(db, 'lobby', 15, 10, asModerator).map((f) => f.type)).toEqual(['removed']);
  });

  it('finds a message by id, and knows when it was removed', () => {
    const { db } = open();
    expect(messageStatus(db, 'lobby', 'm1')).toEqual({ seq: 4, removed: false });
    expect(messageStatus(db, 'lobby', 'm2')).toEqual({ seq: 5, removed: true });
    expect(messageStatus(db, 'studio', 'm1')).toBeUndefined();
    expect(messageStatus(db, 'lobby', 'nope')).toBeUndefined();
  });

  it('writes the same rows from one transaction for the whole log as from one per event', () => {
    const { events } = streamRoomScenario();
    expect(dumpTables(open(events, true).db, tables)).toEqual(dumpTables(open(events).db, tables));
  });
});

describe('timeline projection over the event log', () => {
  it('keeps no copy of a message, and an id only for a post whose event id is not its message id', () => {
    const count = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM timeline_message_ids').get() as { n: number }).n;
    const posts = streamRoomScenario().events.filter((e) => e.type === 'ChatMessagePosted').length;
    expect(count(timelineOverLogOf(postsByMessageId(streamRoomScenario().events)).db)).toBe(0);
    expect(count(timelineOverLogOf().db)).toBe(posts);
    const asText = postsByMessageId(streamRoomScenario().events).map((e) => ({ ...e, dataJson: JSON.stringify(e.data) }));
    expect(count(timelineOverLogOf(asText).db)).toBe(0);
    expect(timelineOverLogOf().db.prepare("SELECT name FROM sqlite_master WHERE name = 'timeline_messages'").get()).toBeUndefined();
  });

  it('refuses to start on a connection without the log', () => {
    expect(() => sqliteProjector({ db: new Database(':memory:'), projections: [timelineProjection({ messagesIn: 'log' })] })).toThrow(/attachEventLog/);
  });

  it('drops the copy a file kept before it switched to the log', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'timeline-')), 'read-models.db');
    try {
      const copying = new Database(file);
      sqliteProjector({ db: copying, projections: [timelineProjection()] }).applyBatch(streamRoomScenario().events);
      copying.close();
      const db = new Database(file);
      attachEventLog(db, ':memory:');
      const projector = sqliteProjector({ db, projections: [timelineProjection({ messagesIn: 'log' })] });
      expect(projector.resetAtStart).toEqual(['timeline']);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'timeline_messages'").get()).toBeUndefined();
      db.close();
    } finally {
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});

describe('timeline projection, copying messages', () => {
  it("stores a message from its data's JSON text when the reader hands it over, without decoding it", () => {
    const events = streamRoomScenario().events;
    const asText = events.map((e) => {
      if (e.type !== 'ChatMessagePosted') return e;
      const { data, ...rest } = e;
      return Object.defineProperties({ ...rest, dataJson: JSON.stringify(data) }, {
        data: { get: () => expect.unreachable('the data of a posted message was decoded') },
      }) as typeof e;
    });
    expect(asText.filter((e) => e.dataJson !== undefined).length).toBeGreaterThan(3);
    expect(dumpTables(timelineOf(asText).db, timelineTables)).toEqual(dumpTables(timelineOf(events).db, timelineTables));
  });

  it('keeps only the newest N messages per room when retention is set', async () => {
    const log = streamRoomScenario();
    const { db, projector } = timelineOf(log.events, 2);
    expect(ids(history(db, 'lobby', { viewer: asModerator }))).toEqual(['m3', 'm4']);
    expect(framesAfter(db, 'lobby', 0, 100).map((f) => f.seq)).toEqual([7, 8, 9]);
    expect(timelineCoverage(db, 'lobby')).toEqual({ lastSeq: 15, completeFrom: 7 });
    expect(ids(history(db, 'studio', { viewer: anonymous }))).toEqual(['s1']);
    const before = dumpTables(db, timelineTables);
    await projector.rebuild('timeline', log.readAll, { batchSize: 4 });
    expect(dumpTables(db, timelineTables)).toEqual(before);
  });

  it.each([undefined, 2])('writes the same rows from one transaction for the whole log as from one per event (keepPerRoom %s)', (keepPerRoom) => {
    const { events } = streamRoomScenario();
    const whole = timelineOf(events, keepPerRoom).db;
    const oneByOne = new Database(':memory:');
    const projector = sqliteProjector({ db: oneByOne, projections: [timelineProjection({ keepPerRoom })] });
    for (const event of events) projector.applyBatch([event]);
    expect(dumpTables(whole, timelineTables)).toEqual(dumpTables(oneByOne, timelineTables));
    expect(timelineCoverage(whole, 'lobby')).toEqual(timelineCoverage(oneByOne, 'lobby'));
    expect(timelineCoverage(whole, 'lobby')?.lastSeq).toBe(15);
  });
});
