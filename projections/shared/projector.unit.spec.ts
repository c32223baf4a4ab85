import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditLogProjection, auditLogTables } from '../audit-log/index.js';
import { roomDirectoryProjection, roomDirectoryTables } from '../room-directory/index.js';
import { dumpTables, streamRoomScenario, t0 } from '../testing/index.js';
import { timelineProjection, timelineTables } from '../timeline/index.js';
import type { SqliteDb, SqliteProjection, StoredEventLike } from './index.js';
import { sqliteProjector } from './index.js';

const allTables = [...roomDirectoryTables, ...auditLogTables, ...timelineTables];
const allProjections = () => [roomDirectoryProjection, auditLogProjection, timelineProjection()];

function projected(events: readonly StoredEventLike[]) {
  const db = new Database(':memory:');
  const projector = sqliteProjector({ db, projections: allProjections() });
  projector.applyBatch(events);
  return { db, projector };
}

const positionsOf = (db: SqliteDb) => db.prepare('SELECT name, version, position FROM projection_positions ORDER BY name').all();

describe('sqliteProjector', () => {
  it('applies a batch and records every projection position', () => {
    const { events } = streamRoomScenario();
    const { db, projector } = projected(events);
    expect(projector.position()).toBe(events.length);
    expect(positionsOf(db)).toEqual([
      { name: 'audit-log', version: '1', position: 20 },
      { name: 'room-directory', version: '1', position: 20 },
      { name: 'timeline', version: '2', position: 20 },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM room_directory').get()).toEqual({ n: 3 });
  });

  it('changes nothing when the same batch is applied again, whole or overlapping', () => {
    const { events } = streamRoomScenario();
    const { db, projector } = projected(events);
    const before = dumpTables(db, [...allTables, 'projection_positions']);
    expect(projector.applyBatch(events)).toBe(20);
    projector.applyBatch(events.slice(5, 12));
    expect(dumpTables(db, [...allTables, 'projection_positions'])).toEqual(before);

    const chunked = new Database(':memory:');
    const chunkedProjector = sqliteProjector({ db: chunked, projections: allProjections() });
    for (let i = 0; i < events.length; i += 3) chunkedProjector.applyBatch(events.slice(Math.max(0, i - 2), i + 3));
    expect(dumpTables(chunked, [...allTables, 'projection_positions'])).toEqual(before);
  });

  it('applies an event that a batch carries twice once', () => {
    const { events } = streamRoomScenario();
    const { db } = projected(events);
    const doubled = new Database(':memory:');
    sqliteProjector({ db: doubled, projections: allProjections() }).applyBatch(events.flatMap((e) => [e, e]));
    expect(dumpTables(doubled, [...allTables, 'projection_positions'])).toEqual(dumpTables(db, [...allTables, 'projection_positions']));
  });

  it('applies an unordered batch in position order', () => {
    const { events } = streamRoomScenario();
    const { db } = projected(events);
    const shuffled = new Database(':memory:');
    sqliteProjector({ db: shuffled, projections: allProjections() }).applyBatch([...events].reverse());
    expect(dumpTables(shuffled, allTables)).toEqual(dumpTables(db, allTables));
  });

  it('rolls back the rows and the positions of a batch when a projection fails', () => {
    const { events } = streamRoomScenario();
    const failing: SqliteProjection = {
      name: 'fails-on-removal',
      version: 1,
      tables: [],
      migrate: () => {},
      apply: (_db, e) => {
        if (e.type === 'ChatMessageRemoved') throw new Error('boom');
      },
    };
    const db = new Database(':memory:');
    const projector = sqliteProjector({ db, projections: [roomDirectoryProjection, failing] });
    projector.applyBatch(events.slice(0, 5));
    expect(() => projector.applyBatch(events.slice(5))).toThrow('boom');
    expect(projector.position()).toBe(5);
    expect(projector.positionOf('room-directory')).toBe(5);
    expect(positionsOf(db)).toEqual([
      { name: 'fails-on-removal', version: '1', position: 5 },
      { name: 'room-directory', version: '1', position: 5 },
    ]);
    // The RoomUpdated at position 6 was written, then rolled back with the batch.
    expect(db.prepare("SELECT name FROM room_directory WHERE room_id = 'lobby'").get()).toEqual({ name: 'Lobby' });
  });

  it.each([
    ['room-directory', roomDirectoryTables],
    ['audit-log', auditLogTables],
    ['timeline', timelineTables],
  ] as const)('rebuilds %s from the log to identical rows', async (name, tables) => {
    const log = streamRoomScenario();
    const { db, projector } = projected(log.events);
    const before = dumpTables(db, tables);
    expect(before[tables[0]]!.length).toBeGreaterThan(0);
    db.exec(`DELETE FROM ${tables[0]}`);
    expect(await projector.rebuild(name, log.readAll, { batchSize: 3 })).toBe(20);
    expect(dumpTables(db, tables)).toEqual(before);
    expect(projector.positionOf(name)).toBe(20);
  });

  it('resets a projection whose version changed at start, and catchUp replays it', async () => {
    const log = streamRoomScenario();
    const { db } = projected(log.events);
    const expected = dumpTables(db, allTables);
    db.exec("UPDATE room_directory SET name = 'tampered'");
    db.exec("UPDATE audit_log SET reason = 'tampered'");

    const bumped = { ...roomDirectoryProjection, version: 2 };
    const restarted = sqliteProjector({ db, projections: [bumped, auditLogProjection, timelineProjection()] });
    expect(restarted.resetAtStart).toEqual(['room-directory']);
    expect(restarted.positionOf('room-directory')).toBe(0);
    expect(restarted.positionOf('audit-log')).toBe(20);
    expect(db.prepare('SELECT count(*) AS n FROM room_directory').get()).toEqual({ n: 0 });

    expect(await restarted.catchUp(log.readAll, { batchSize: 4 })).toBe(20);
    const after = dumpTables(db, allTables);
    expect(after.room_directory).toEqual(expected.room_directory);
    // Unchanged versions are left alone: the tampering stays, proving no replay touched it.
    expect((after.audit_log as { reason: string }[]).every((r) => r.reason === 'tampered')).toBe(true);
    expect(positionsOf(db)).toContainEqual({ name: 'room-directory', version: '2', position: 20 });
  });

  it('a changed retention setting is a new version of the timeline', () => {
    const db = new Database(':memory:');
    sqliteProjector({ db, projections: [timelineProjection()] });
    expect(sqliteProjector({ db, projections: [timelineProjection()] }).resetAtStart).toEqual([]);
    expect(sqliteProjector({ db, projections: [timelineProjection({ keepPerRoom: 2 })] }).resetAtStart).toEqual(['timeline']);
  });

  it('catches up a projection added later without touching the others', async () => {
    const log = streamRoomScenario();
    const db = new Database(':memory:');
    sqliteProjector({ db, projections: [roomDirectoryProjection] }).applyBatch(log.events);
    const projector = sqliteProjector({ db, projections: [roomDirectoryProjection, auditLogProjection] });
    expect(projector.resetAtStart).toEqual(['audit-log']);
    expect(projector.position()).toBe(0);
    expect(await projector.catchUp(log.readAll)).toBe(20);
    expect(dumpTables(db, [...roomDirectoryTables, ...auditLogTables])).toEqual(
      dumpTables(projected(log.events).db, [...roomDirectoryTables, ...auditLogTables]),
    );
  });

  it('loses no live batch that arrives while a rebuild is replaying', async () => {
    const log = streamRoomScenario();
    const full = log.events.slice();
    const first = full.slice(0, 12);
    const { db, projector } = projected(first);
    let reads = 0;
    const slowReadAll = async (after: number, limit: number) => {
      reads++;
      await new Promise((r) => setTimeout(r, 5));
      return full.filter((e) => e.position > after).slice(0, limit);
    };
    const rebuilding = projector.rebuild('timeline', slowReadAll, { batchSize: 2 });
    // Meanwhile the live subscription delivers the rest of the log.
    await new Promise((r) => setTimeout(r, 7));
    expect(projector.applyBatch(full.slice(12))).toBeLessThan(20);
    expect(projector.positionOf('room-directory')).toBe(20);
    await rebuilding;
    expect(reads).toBeGreaterThan(3);
    expect(projector.position()).toBe(20);
    expect(dumpTables(db, allTables)).toEqual(dumpTables(projected(full).db, allTables));
  });

  it('refuses to replay one projection twice at once and unknown names', async () => {
    const log = streamRoomScenario();
    const { projector } = projected([]);
    const first = projector.rebuild('timeline', async (a, l) => log.readAll(a, l));
    await expect(projector.rebuild('timeline', log.readAll)).rejects.toThrow(/already being replayed/);
    await first;
    await expect(projector.rebuild('nope', log.readAll)).rejects.toThrow(/no projection named nope/);
    expect(() => sqliteProjector({ db: new Database(':memory:'), projections: [roomDirectoryProjection, roomDirectoryProjection] })).toThrow(/two projections/);
  });

  describe('waitFor', () => {
    it('resolves true at once when the position is already reached', async () => {
      const { projector } = projected(streamRoomScenario().events);
      await expect(projector.waitFor(20, 10)).resolves.toBe(true);
    });

    it('resolves true when a later batch reaches the position', async () => {
      const { events } = streamRoomScenario();
      const { projector } = projected(events.slice(0, 10));
      let settled: boolean | undefined;
      const waiting = projector.waitFor(15, 5_000).then((r) => (settled = r));
      projector.applyBatch(events.slice(10, 14));
      await new Promise((r) => setTimeout(r, 1));
      expect(settled).toBeUndefined();
      setTimeout(() => projector.applyBatch(events.slice(14)), 10);
      const started = Date.now();
      await expect(waiting).resolves.toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('resolves false when the timeout passes first, and on close', async () => {
      const { events } = streamRoomScenario();
      const { projector } = projected(events.slice(0, 10));
      const started = Date.now();
      await expect(projector.waitFor(11, 50)).resolves.toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      const pending = projector.waitFor(11, 60_000);
      projector.close();
      await expect(pending).resolves.toBe(false);
    });
  });

  it('ignores events of other streams but still advances past them', () => {
    const other: StoredEventLike = { id: 'x', stream: 'server-1', revision: 0, position: 1, type: 'ServerCreated', data: {}, metadata: {}, recordedAt: t0 };
    const { db, projector } = projected([other]);
    expect(projector.position()).toBe(1);
    expect(dumpTables(db, allTables)).toEqual(Object.fromEntries(allTables.map((t) => [t, []])));
  });
});
