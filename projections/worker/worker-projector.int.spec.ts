import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLogTables } from '../audit-log/index.js';
import { roomDirectoryTables } from '../room-directory/index.js';
import type { StoredEventLike } from '../shared/index.js';
import { simpleRoomsTables } from '../simple-rooms/index.js';
import { dumpTables, streamRoomScenario } from '../testing/index.js';
import { timelineTables } from '../timeline/index.js';
import { projections as embeddedProjections } from './embedded-projections.js';
import { embeddedProjectionsModule, inlineProjector, openSqliteReadModels, workerProjector, type ReadModelProjector, type WorkerProjectorOptions } from './index.js';
import { faultyProjectionsModule, jsonFileLogModule } from './testing/index.js';

const allTables = [...roomDirectoryTables, ...auditLogTables, ...timelineTables, ...simpleRoomsTables];

const dirs: string[] = [];
const open: ReadModelProjector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-worker-projector-'));
  dirs.push(dir);
  return join(dir, 'read-models.db');
}

async function started(options: Partial<WorkerProjectorOptions> & { file?: string } = {}) {
  const file = options.file ?? tempFile();
  const projector = await workerProjector({ projectionsModule: embeddedProjectionsModule, ...options, file });
  open.push(projector);
  const reader = new Database(file, { readonly: true });
  return { file, projector, reader };
}

/** The rows the same events give on the calling thread. */
function inlineRows(events: readonly StoredEventLike[]) {
  const db = new Database(':memory:');
  inlineProjector({ db, projections: embeddedProjections() }).applyBatch(events);
  return dumpTables(db, allTables);
}

const chunks = <T>(items: readonly T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

const testEvent = (position: number, type: string): StoredEventLike => ({ id: `t-${position}`, stream: 'test-1', revision: position, position, type, data: {}, metadata: {}, recordedAt: 0 });

describe('workerProjector', () => {
  it('applies batches in the order they are sent, to the rows the inline projector writes', async () => {
    const { events } = streamRoomScenario();
    const { projector, reader } = await started();
    expect(projector.resetAtStart).toEqual(['room-directory', 'audit-log', 'timeline', 'simple-rooms']);
    expect(projector.position()).toBe(0);
    for (const batch of chunks(events, 3)) expect(projector.applyBatch(batch)).toBeUndefined();
    // Sent, not applied yet: the worker answers asynchronously.
    expect(projector.position()).toBe(0);
    expect(await projector.waitFor(events.length, 5_000)).toBe(true);
    expect(projector.position()).toBe(20);
    expect(projector.positionOf('timeline')).toBe(20);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
    // Duplicates and overlaps change nothing.
    projector.applyBatch(events.slice(4, 15));
    await projector.waitFor(21, 200);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
  });

  it('with a log it reads itself, takes contiguous batches as position ranges and writes the same rows', async () => {
    const { events } = streamRoomScenario();
    const logFile = join(tempFile(), '..', 'log.json');
    // The log holds every event; the batches sent carry other payloads, so rows can only match if
    // the worker read the log for the ranges (and used the events only when a batch has a gap).
    writeFileSync(logFile, JSON.stringify(events));
    const decoys = events.map((e) => ({ ...e, data: { decoy: true } }));
    const { projector, reader } = await started({ log: { module: jsonFileLogModule, file: logFile } });
    for (const batch of chunks(decoys, 3)) projector.applyBatch(batch);
    expect(await projector.waitFor(events.length, 5_000)).toBe(true);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
  });

  it('with a commit interval, merges the ranges that arrive within it into one commit, and commits at once for a waiting reader', async () => {
    const { events } = streamRoomScenario();
    const logFile = join(tempFile(), '..', 'log.json');
    writeFileSync(logFile, JSON.stringify(events));
    const commits: string[][] = [];
    const { projector, reader } = await started({
      log: { module: jsonFileLogModule, file: logFile },
      liveCommitIntervalMs: 60_000,
      onApplied: (streams) => commits.push([...streams].sort()),
    });
    const positionRow = reader.prepare('SELECT position FROM projection_positions WHERE name = ?');
    // The first range commits at once (no commit yet in the interval); the next ones are held.
    projector.applyBatch(events.slice(0, 3));
    expect(await projector.waitFor(3, 5_000)).toBe(true);
    for (const batch of chunks(events.slice(3, 12), 3)) projector.applyBatch(batch);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(projector.position()).toBe(3);
    expect(positionRow.get('timeline')).toEqual({ position: 3 });
    // A reader waiting for its write does not wait a minute: the held ranges commit together.
    const started_ = performance.now();
    expect(await projector.waitFor(12, 5_000)).toBe(true);
    expect(performance.now() - started_).toBeLessThan(2_000);
    expect(commits).toHaveLength(2);
    // A range sent while a reader waits is committed without being held.
    const waiting = projector.waitFor(20, 5_000);
    projector.applyBatch(events.slice(12));
    expect(await waiting).toBe(true);
    expect(commits).toHaveLength(3);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
  });

  it('with a commit interval and no log, merges the batches it was sent (events, and ranges after a gap) into one commit', async () => {
    const { events } = streamRoomScenario();
    const commits: string[][] = [];
    const { projector, reader } = await started({ liveCommitIntervalMs: 60_000, onApplied: (streams) => commits.push([...streams].sort()) });
    projector.applyBatch(events.slice(0, 2));
    expect(await projector.waitFor(2, 5_000)).toBe(true);
    for (const batch of chunks(events.slice(2), 4)) projector.applyBatch(batch);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(projector.position()).toBe(2);
    expect(await projector.waitFor(events.length, 5_000)).toBe(true);
    expect(commits).toHaveLength(2);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
  });

  it('with a commit interval, a reader that comes after a flush that found nothing held still gets its held batch at once', async () => {
    const { events } = streamRoomScenario();
    const { projector } = await started({ liveCommitIntervalMs: 60_000 });
    projector.applyBatch(events.slice(0, 2));
    expect(await projector.waitFor(2, 5_000)).toBe(true);
    // A reader ahead of everything sent: its flush finds nothing held, and it times out.
    expect(await projector.waitFor(events.length + 1, 200)).toBe(false);
    // Sent with no reader waiting, so held for the interval (a minute here)...
    projector.applyBatch(events.slice(2, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(projector.position()).toBe(2);
    // ...until a reader wants it: its flush is sent, not taken for the one already answered.
    expect(await projector.waitFor(5, 5_000)).toBe(true);
  });

  it('with a commit interval, commits what it holds before it closes', async () => {
    const { events } = streamRoomScenario();
    const logFile = join(tempFile(), '..', 'log.json');
    writeFileSync(logFile, JSON.stringify(events));
    const { projector, file } = await started({ log: { module: jsonFileLogModule, file: logFile }, liveCommitIntervalMs: 60_000 });
    projector.applyBatch(events.slice(0, 2));
    expect(await projector.waitFor(2, 5_000)).toBe(true);
    projector.applyBatch(events.slice(2));
    await projector.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT MIN(position) AS position FROM projection_positions').get()).toEqual({ position: events.length });
    after.close();
  });

  it('with a log, fails (and applies nothing more) when the log lacks events of a range it was sent', async () => {
    const { events } = streamRoomScenario();
    const logFile = join(tempFile(), '..', 'log.json');
    writeFileSync(logFile, JSON.stringify(events.slice(0, 5)));
    const failures: Error[] = [];
    const { projector } = await started({ log: { module: jsonFileLogModule, file: logFile }, onFailure: (e) => failures.push(e) });
    projector.applyBatch(events.slice(0, 5));
    expect(await projector.waitFor(5, 5_000)).toBe(true);
    projector.applyBatch(events.slice(5, 10));
    expect(await projector.waitFor(10, 2_000)).toBe(false);
    expect(failures[0]?.message).toMatch(/the log has 0 events in \(5, 10\]/);
    expect(projector.position()).toBe(5);
  });

  it('resolves waitFor(P) only once a reader sees the rows of P', async () => {
    const { events } = streamRoomScenario();
    const { projector, reader } = await started();
    const timelineIds = reader.prepare<[], { message_id: string }>('SELECT message_id FROM timeline_messages ORDER BY at');
    const seen: string[][] = [];
    for (const batch of chunks(events, 4)) {
      const last = batch.at(-1)!.position;
      projector.applyBatch(batch);
      expect(await projector.waitFor(last, 5_000)).toBe(true);
      seen.push(timelineIds.all().map((r) => r.message_id));
      expect(reader.prepare('SELECT position FROM projection_positions WHERE name = ?').get('timeline')).toEqual({ position: last });
    }
    expect(seen.at(-1)).toEqual(['m1', 'm2', 'm3', 'm4', 's1']);
    expect(await projector.waitFor(21, 50)).toBe(false);
  });

  it('reports the streams of each commit before settling the waiters of its position', async () => {
    const { events } = streamRoomScenario();
    const order: string[] = [];
    const { projector } = await started({ onApplied: (streams) => order.push(`applied ${[...streams].sort().join(',')}`) });
    const waited = projector.waitFor(5, 5_000).then(() => order.push('waited 5'));
    projector.applyBatch(events.slice(0, 3));
    projector.applyBatch(events.slice(3, 5));
    await waited;
    expect(order).toEqual(['applied room-lobby', 'applied room-anon', 'waited 5']);
    // A batch that changes nothing touches nothing.
    projector.applyBatch(events.slice(0, 5));
    projector.applyBatch(events.slice(5, 6));
    await projector.waitFor(6, 5_000);
    expect(order.slice(3)).toEqual(['applied room-lobby']);
  });

  it('catches up through the main thread reader, keeps positions across a restart and rebuilds', async () => {
    const log = streamRoomScenario();
    const first = await started();
    const reads: number[] = [];
    expect(await first.projector.catchUp((after, limit) => (reads.push(after), log.readAll(after, limit)), { batchSize: 4 })).toBe(20);
    expect(reads).toEqual([0, 4, 8, 12, 16, 20]);
    const rows = dumpTables(first.reader, allTables);
    expect(rows).toEqual(inlineRows(log.events));
    await first.projector.close();

    const again = await started({ file: first.file });
    expect(again.projector.resetAtStart).toEqual([]);
    expect(again.projector.position()).toBe(20);
    const writer = new Database(first.file);
    writer.exec('DELETE FROM timeline_messages');
    writer.close();
    expect(await again.projector.rebuild('timeline', async (after, limit) => log.readAll(after, limit), { batchSize: 3 })).toBe(20);
    expect(dumpTables(again.reader, allTables)).toEqual(rows);
    await expect(again.projector.rebuild('nope', log.readAll)).rejects.toThrow(/no projection named nope/);
  });

  it('rejects a replay whose reader fails, and goes on applying live batches', async () => {
    const log = streamRoomScenario();
    const { projector } = await started();
    await expect(projector.catchUp(() => Promise.reject(new Error('store down')))).rejects.toThrow(/store down/);
    expect(projector.failure()).toBeNull();
    projector.applyBatch(log.events);
    expect(await projector.waitFor(20, 5_000)).toBe(true);
  });

  it('loses no live batch that arrives while a rebuild is replaying', async () => {
    const log = streamRoomScenario();
    const { projector, reader } = await started();
    projector.applyBatch(log.events.slice(0, 12));
    await projector.waitFor(12, 5_000);
    let reads = 0;
    const slowReadAll = async (after: number, limit: number) => {
      reads++;
      await new Promise((r) => setTimeout(r, 20));
      return log.events.filter((e) => e.position > after).slice(0, limit);
    };
    const rebuilding = projector.rebuild('timeline', slowReadAll, { batchSize: 2 });
    await new Promise((r) => setTimeout(r, 25));
    projector.applyBatch(log.events.slice(12));
    while (projector.positionOf('room-directory') < 20) await new Promise((r) => setTimeout(r, 1));
    // The live batch went to every projection but the one replaying.
    expect(projector.positionOf('timeline')).toBeLessThan(20);
    expect(await rebuilding).toBe(20);
    expect(reads).toBeGreaterThan(3);
    expect(projector.position()).toBe(20);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(log.events));
  });

  it('asks the caller to wait when too many events are in flight, counting events, not batches', async () => {
    const { events } = streamRoomScenario();
    const { projector, reader } = await started({ maxEventsInFlight: 5 });
    const answers = [projector.applyBatch(events.slice(0, 2)), projector.applyBatch(events.slice(2, 4)), projector.applyBatch(events.slice(4, 5))];
    expect(answers.slice(0, 2)).toEqual([undefined, undefined]);
    expect(answers[2]).toBeInstanceOf(Promise);
    for (const e of events.slice(5)) answers.push(projector.applyBatch([e]));
    await Promise.all(answers);
    // Every answer resolved: fewer than 5 events are still in flight.
    expect(projector.position()).toBeGreaterThanOrEqual(events.length - 4);
    expect(await projector.waitFor(20, 5_000)).toBe(true);
    expect(dumpTables(reader, allTables)).toEqual(inlineRows(events));
  });

  it('surfaces a failed batch: nothing after it is applied and waiters are told at once', async () => {
    const failures: Error[] = [];
    const { projector } = await started({ projectionsModule: faultyProjectionsModule, onFailure: (e) => failures.push(e) });
    projector.applyBatch([testEvent(1, 'TestOk'), testEvent(2, 'TestOk')]);
    expect(await projector.waitFor(2, 5_000)).toBe(true);
    const started_ = Date.now();
    const waiting = projector.waitFor(4, 20_000);
    projector.applyBatch([testEvent(3, 'TestBoom')]);
    projector.applyBatch([testEvent(4, 'TestOk')]);
    expect(await waiting).toBe(false);
    expect(Date.now() - started_).toBeLessThan(10_000);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/boom at 3/);
    expect(projector.failure()).toBe(failures[0]);
    expect(projector.position()).toBe(2);
    expect(projector.applyBatch([testEvent(5, 'TestOk')])).toBeUndefined();
    expect(await projector.waitFor(5, 10)).toBe(false);
    await expect(projector.catchUp(() => [])).rejects.toThrow(/boom at 3/);
  });

  it('surfaces a worker thread that dies', async () => {
    const failures: Error[] = [];
    const { projector } = await started({ projectionsModule: faultyProjectionsModule, onFailure: (e) => failures.push(e) });
    const waiting = projector.waitFor(2, 20_000);
    projector.applyBatch([testEvent(1, 'TestExit'), testEvent(2, 'TestOk')]);
    expect(await waiting).toBe(false);
    expect(failures.map((e) => e.message)).toEqual(['read-model projector worker exited with code 7']);
    expect(projector.failure()?.message).toMatch(/exited with code 7/);
  });

  it('fails to start on a projection module that cannot load, and refuses an in-memory database', async () => {
    await expect(workerProjector({ file: tempFile(), projectionsModule: new URL('./no-such-module.ts', import.meta.url).href })).rejects.toThrow();
    await expect(workerProjector({ file: ':memory:', projectionsModule: embeddedProjectionsModule })).rejects.toThrow(/in-memory/);
  });
});

describe('openSqliteReadModels', () => {
  it.each(['worker', 'inline'] as const)('%s: queries read what the projector wrote; the worker read connection is read-only', async (thread) => {
    const log = streamRoomScenario();
    const applied: string[] = [];
    const models = await openSqliteReadModels({ file: tempFile(), projectionsModule: embeddedProjectionsModule, thread, onApplied: (s) => applied.push(...s) });
    try {
      expect(await models.projector.catchUp(log.readAll)).toBe(20);
      expect(dumpTables(models.db, allTables)).toEqual(inlineRows(log.events));
      expect(new Set(applied)).toEqual(new Set(['room-lobby', 'room-anon', 'room-studio']));
      if (thread === 'worker') expect(() => models.db.exec('DELETE FROM timeline_messages')).toThrow(/readonly/);
    } finally {
      await models.close();
    }
    expect(models.db.open).toBe(false);
  });
});
