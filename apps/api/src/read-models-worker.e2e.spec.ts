import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { faultyProjectionsModule } from '@parley/projections/worker/testing';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { eventually } from './testing/eventually.js';

/*
 * The embedded profile applies its SQLite read models in a worker thread. When that worker stops
 * (a batch it cannot apply, the thread dies), the node says so: a fatal log line and a failing
 * /readyz, instead of reads that silently stop seeing new writes.
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const readyz = async () => {
  const res = await fetch(`${server!.url}/readyz`);
  return { status: res.status, body: await res.text() };
};

describe('read models in a worker thread', () => {
  it.each([
    ['a batch the worker cannot apply', 'TestBoom', /boom at \d+/],
    ['the worker thread exiting', 'TestExit', /exited with code 7/],
  ])('%s logs fatal and fails readiness', async (_case, type, reason) => {
    const lines: string[] = [];
    const logger = pino({ level: 'fatal' }, { write: (line: string) => void lines.push(line) });
    server = await startTestServer({}, { logger, readModelsProjections: faultyProjectionsModule });
    expect(await readyz()).toEqual({ status: 200, body: expect.stringContaining('ready') });

    const { position } = await server.parley.ctx.store.append('test-fault', [{ id: randomUUID(), type, data: {} }], 'any');
    const failed = await eventually(readyz, (r) => r.status !== 200);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatch(reason);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 60, msg: 'read-model projector stopped', err: { message: expect.stringMatching(reason) } });
    // A reader waiting for the write is answered at once, not after its timeout.
    const started = Date.now();
    expect(await server.parley.ctx.readModels.projector.waitFor(position, 20_000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('the worker applies what the bus delivers: a room created over HTTP is listed once its position is applied', async () => {
    server = await startTestServer();
    const owner = await server.identity('discord:worker-owner');
    const res = await fetch(`${server.url}/rooms`, { method: 'POST', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Threads' }) });
    expect(res.status).toBe(200);
    const { room } = (await res.json()) as { room: string };
    const head = await server.parley.ctx.store.headPosition();
    expect(await server.parley.ctx.readModels.projector.waitFor(head, 5_000)).toBe(true);
    expect(server.parley.ctx.readModels.db.prepare('SELECT name FROM room_directory WHERE room_id = ?').get(room)).toEqual({ name: 'Threads' });
    expect(() => server!.parley.ctx.readModels.db.prepare("DELETE FROM room_directory").run()).toThrow(/readonly/);
  });
});
