import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_KEY_HEADER, internalKeyFrom, serverSecret } from './secrets.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * `GET /internal/online` tells other nodes how many viewers each room has on this node. It answers
 * only a node of the same cluster (the key derived from the shared secret); anyone else gets what
 * an unknown route gets, so a node's port does not list the rooms that have viewers.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('GET /internal/online', () => {
  it('answers a node of the cluster with the viewers per room, and anyone else as an unknown route', async () => {
    const key = internalKeyFrom(serverSecret(server.parley.ctx.config));
    const asNode = await fetch(`${server.url}/internal/online`, { headers: { [INTERNAL_KEY_HEADER]: key } });
    expect(asNode.status).toBe(200);
    expect(await asNode.json()).toEqual({ rooms: {} });

    const unknownRoute = await fetch(`${server.url}/internal/nothing-here`);
    const unknownBody = (await unknownRoute.json()) as { message: string };
    const strangers: Record<string, string>[] = [{}, { [INTERNAL_KEY_HEADER]: '' }, { [INTERNAL_KEY_HEADER]: key.slice(1) }, { [INTERNAL_KEY_HEADER]: internalKeyFrom('another cluster') }];
    for (const headers of strangers) {
      const res = await fetch(`${server.url}/internal/online`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ ...unknownBody, message: 'No route for GET /internal/online' });
    }
  });
});
