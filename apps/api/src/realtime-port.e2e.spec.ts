import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { jsonCall } from './testing/json-call.js';
import { openChatSocket } from './testing/chat-test-client.js';
import { startTestServer } from './testing/test-server.js';

/*
 * PARLEY_REALTIME_PORT: `/ws` served a second time, from a network thread. The realtime-access
 * suite runs every connection rule against both ports; this one covers what is the port's own:
 * one room across both places, shutdown, and a port that is taken.
 */

const wsUrl = (port: number, query: Record<string, string>) => `ws://127.0.0.1:${port}/ws?${new URLSearchParams(query)}`;

describe('PARLEY_REALTIME_PORT', () => {
  it('viewers on both ports are one room: same frames in the same order, counted together; stopping closes them with 1001', async () => {
    const server = await startTestServer({ PARLEY_REALTIME_PORT: '0' });
    const owner = await server.identity('discord:port-owner');
    const created = (await jsonCall(server.url, 'POST', '/rooms', owner, { name: 'Two ports' })).body;
    const mint = async (userId: string) => (await jsonCall(server.url, 'POST', `/rooms/${created.room}/tokens`, created.api_key, { user_id: userId, display_name: userId })).body.token as string;
    const mainPort = Number(new URL(server.url).port);
    const threadPort = server.parley.realtime.networkPort!;
    expect(threadPort).toBeGreaterThan(0);
    expect(threadPort).not.toBe(mainPort);

    const onMain = await openChatSocket(wsUrl(mainPort, { room: created.room, token: await mint('discord:main') }));
    const onThread = await openChatSocket(wsUrl(threadPort, { room: created.room, token: await mint('discord:thread') }));
    expect(onThread.of('hello')[0]).toMatchObject({ online: 2, you: { userId: 'discord:thread' } });
    expect(server.parley.realtime.online(created.room)).toBe(2);

    const texts = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await Promise.all(
      texts.map((text) =>
        fetch(`${server.url}/rooms/${created.room}/ingress`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${created.api_key}` },
          body: JSON.stringify({ type: 'chat', payload: { text, userId: `u${text}` } }),
        }).then((r) => expect(r.status).toBe(202)),
      ),
    );
    onThread.send({ t: 'send', text: 'from the thread', nonce: 'n1' });
    for (const c of [onMain, onThread]) await c.waitFor((f) => f.filter((x) => x.t === 'msg').length === 51, 'every message');
    const order = (c: typeof onMain) => c.of('msg').map((m) => `${m.seq}:${m.payload.text}`);
    expect(order(onThread)).toEqual(order(onMain));
    expect(onThread.of('msg').at(-1)).toMatchObject({ sender: 'discord:thread', payload: { text: 'from the thread' } });

    const health = await fetch(`http://127.0.0.1:${threadPort}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const elsewhere = await fetch(`http://127.0.0.1:${threadPort}/rooms/${created.room}/public`);
    expect([elsewhere.status, await elsewhere.json()]).toEqual([404, { error: 'Not Found', message: `No route for GET /rooms/${created.room}/public`, status: 404 }]);

    const closing = [onMain.closedWith(), onThread.closedWith()];
    await server.stop();
    expect(await Promise.all(closing)).toEqual([1001, 1001]);
  });

  it('a realtime port that is taken stops the server from starting, with the reason', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      await expect(startTestServer({ PARLEY_REALTIME_PORT: String(taken) })).rejects.toThrow(`could not listen on 127.0.0.1:${taken}`);
    } finally {
      holder.close();
    }
  });
});
