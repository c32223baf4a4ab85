import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue } from './faults/bench-stats.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('/metrics: the main thread', () => {
  it('reports its event-loop delay and its garbage-collection pauses', async () => {
    const page = async () => (await fetch(`${server.url}/metrics`)).text();
    let text = await page();
    // Start-up alone collects garbage many times; requests allocate more if it has not yet.
    for (let tries = 0; tries < 50 && !(Number(metricValue(text, 'parley_gc_pause_seconds_count ')) > 0); tries++) {
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/healthz`).then((r) => r.arrayBuffer())));
      text = await page();
    }
    expect(metricValue(text, 'parley_gc_pause_seconds_count ')).toBeGreaterThan(0);
    expect(metricValue(text, 'parley_gc_pause_seconds_sum ')).toBeGreaterThan(0);
    expect(text).toContain('parley_gc_pause_seconds_bucket{le="0.01"}');
    expect(metricValue(text, 'parley_event_loop_delay_seconds{quantile="0.99"} ')).not.toBeNull();
  });
});
