import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { fromThread, toThread } from './network-protocol.mjs';
import { until } from './testing/harness.js';
import { defaultRealtimeLimits } from './limits.js';
import { startNetworkThread } from './network-thread.js';

/*
 * The network thread on its own, driven as the main thread drives it. A thread that ended with a
 * socket open would abort the whole process, so a bad record or a throwing callback must be reported
 * and survived.
 */

function startThread() {
  const worker = new Worker(new URL('./network-thread-worker.mjs', import.meta.url), {
    workerData: { host: '127.0.0.1', port: 0, path: '/ws', socket: {}, maxBackpressure: 1 << 20, slowConsumerCheckMs: 100, slowConsumerCode: 4008, goingAwayCode: 1001 },
  });
  const records: unknown[] = [];
  worker.on('message', (batch: unknown[]) => records.push(...batch));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, records, exited };
}

describe('network thread', () => {
  it('reports a bad record, counts its batch as done, and goes on serving; a stop ends it cleanly', async () => {
    const t = startThread();
    await until(() => t.records[0] === fromThread.listening, 5000, 'listening');
    const port = t.records[1] as number;
    expect(port).toBeGreaterThan(0);

    t.worker.postMessage([99, 'what is this']);
    await until(() => t.records.includes(fromThread.processed), 5000, 'the batch done');
    const at = t.records.indexOf(fromThread.error);
    expect(t.records[at + 1]).toBe('batch');
    expect(t.records[at + 2]).toContain('unknown record 99');

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);

    t.worker.postMessage([toThread.stop]);
    expect(await t.exited).toBe(0);
    expect(t.records).toContain(fromThread.stopped);
  });
});

describe('a network thread that ends by itself', () => {
  it('is reported once, with its exit code, and released: nothing waits for it', async () => {
    const errors: Array<[string, string]> = [];
    const failures: Error[] = [];
    const thread = await startNetworkThread({
      host: '127.0.0.1',
      port: 0,
      path: '/ws',
      behavior: {},
      limits: defaultRealtimeLimits,
      onError: (err, where) => errors.push([where, (err as Error).message]),
      onFailure: (error) => failures.push(error),
      workerModule: new URL('./testing/exiting-network-thread.mjs', import.meta.url),
    });
    expect(failures).toEqual([]);
    await until(() => failures.length > 0, 5000, 'the thread to end');
    expect(failures.map((f) => f.message)).toEqual(['network thread exited with code 3']);
    expect(errors).toEqual([]);
    expect(thread.caughtUp()).toBeUndefined();
    await thread.close();
    // Closing what already ended is no second failure.
    expect(failures).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
