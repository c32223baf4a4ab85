import { pino } from 'pino';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { inprocBus, type Bus } from '@parley/infra/bus';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { eventually } from './testing/eventually.js';

/*
 * The embedded server's relay hands the log to its in-process consumers. When it stops for good (a
 * batch the bus refuses, a log it cannot read), the node says so on /healthz and /readyz, in a
 * fatal log line and through `stoppedPart` (the entry point exits on it), and its writers go on
 * appending: they are held back only while a running relay is behind, never waiting for one that
 * will not move again.
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const refusingBus = (): Bus => {
  const bus = inprocBus();
  return {
    ...bus,
    async publish(events) {
      if (events.some((e) => e.type === 'TestRefused')) throw new Error('the bus refused the batch');
      return bus.publish(events);
    },
  };
};

const readyz = async () => {
  const res = await fetch(`${server!.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
};

const events = (n: number, type = 'TestNote') => Array.from({ length: n }, () => ({ id: randomUUID(), type, data: {} }));

describe('a relay that stopped', () => {
  it('fails readiness with its reason, logs fatal once, and holds no writer back', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'fatal' }, { write: (line: string) => void lines.push(line) });
    server = await startTestServer({}, { logger, bus: refusingBus() });
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });

    const { store } = server.parley.ctx;
    await store.append('test-relay', events(1, 'TestRefused'), 'any');
    const failed = await eventually(readyz, (r) => r.status !== 200);
    expect(failed).toEqual({ status: 503, body: { status: 'not ready', reason: 'relay stopped: the bus refused the batch' } });
    // Liveness too: the relay does not come back in this process, a restart brings it back.
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { status: 'failed', reason: 'relay stopped: the bus refused the batch' }]);
    await expect(server.parley.stoppedPart).resolves.toMatchObject({ part: 'relay', error: { message: 'the bus refused the batch' } });
    expect(lines.map((l) => JSON.parse(l) as { level: number; msg: string })).toEqual([expect.objectContaining({ level: 60, msg: 'relay stopped', part: 'relay' })]);

    // More than the 1,000 events a running relay may fall behind before writers wait for it.
    await store.append('test-relay', events(1_001), 'any');
    const next = store.append('test-relay', events(1), 'any');
    const answered = await Promise.race([next.then(() => 'appended'), new Promise((r) => setTimeout(() => r('still held after 2 s'), 2_000))]);
    expect(answered).toBe('appended');
    expect(await server.parley.ctx.store.headPosition()).toBeGreaterThan(1_002);
  });
});
