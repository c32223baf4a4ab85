import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { startLatencyViewers } from './latency-viewers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('the latency viewers of the cluster probe and benchmark', () => {
  it('say which node refused a viewer, with its status and error body', async () => {
    const opened = startLatencyViewers([{ url: server.url, room: 'no-such-room', token: 'not-a-token' }]);
    await expect(opened).rejects.toThrow(`viewer of no-such-room on ${server.url} refused: 404 {"error":"Not Found","message":"Room not found","status":404}`);
  });
});
