import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inprocBus, type Bus } from '@parley/infra/bus';
import { e2eProfile, startTestServer, type TestServer } from './testing/test-server.js';
import { jsonCall } from './testing/json-call.js';

/* `PUT /rooms/:room` changes are what the next `GET /rooms/:room/public` and `GET /rooms` show. */

let server: TestServer;
let owner: string;

const call = (method: string, path: string, token?: string, body?: unknown) => jsonCall(server.url, method, path, token, body);

const ownedRoom = async (room: string) => (await call('GET', '/rooms', owner)).body.rooms.find((r: { room: string }) => r.room === room);

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.identity('discord:123456789');
});

afterAll(async () => {
  await server?.stop();
});

describe('stream rooms: updates are visible', () => {
  it('the reference example PUT shows in the public view and in the owner list at once', async () => {
    const created = await call('POST', '/rooms', owner, { name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], max_viewers: 100 });
    const room = created.body.room as string;
    expect((await call('GET', `/rooms/${room}/public`)).body).toEqual({ room, name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], badges: ['verified'], online: false });

    const put = await call('PUT', `/rooms/${room}`, owner, { name: 'Updated Name', allowed_providers: ['discord'], moderators: ['discord:987654321'], max_viewers: 500 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ room, name: 'Updated Name', owner: 'discord:123456789', allowed_providers: ['discord'], moderators: ['discord:987654321'], max_viewers: 500 });

    expect((await call('GET', `/rooms/${room}/public`)).body).toEqual({ room, name: 'Updated Name', allowed_providers: ['discord'], badges: ['verified'], online: false });
    expect(await ownedRoom(room)).toEqual({ ...put.body });
    // The listed moderator can now moderate: the change took effect, not only its display.
    expect((await call('POST', `/rooms/${room}/moderation`, await server.identity('discord:987654321'), { action: 'mute', target: 'guest:x' })).status).toBe(200);
  });

  it('a partial update changes only what it names; max_viewers null clears the limit', async () => {
    const room = (await call('POST', '/rooms', owner, { name: 'Partial', allowed_providers: ['twitch'], max_viewers: 10 })).body.room as string;
    expect((await call('PUT', `/rooms/${room}`, owner, { max_viewers: null })).status).toBe(200);
    expect(await ownedRoom(room)).toMatchObject({ name: 'Partial', allowed_providers: ['twitch'], max_viewers: null, moderators: [] });
    expect((await call('PUT', `/rooms/${room}`, owner, { name: 'Partial, renamed' })).status).toBe(200);
    expect((await call('GET', `/rooms/${room}/public`)).body).toMatchObject({ name: 'Partial, renamed', allowed_providers: ['twitch'] });
    expect(await ownedRoom(room)).toMatchObject({ name: 'Partial, renamed', allowed_providers: ['twitch'], max_viewers: null });
  });

  it('an empty update changes nothing and appends nothing', async () => {
    const room = (await call('POST', '/rooms', owner, { name: 'Still' })).body.room as string;
    const before = await server.parley.ctx.store.headPosition();
    const put = await call('PUT', `/rooms/${room}`, owner, {});
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ room, name: 'Still' });
    expect(await server.parley.ctx.store.headPosition()).toBe(before);
  });

  it('every one of many consecutive renames is read back by the very next public read', async () => {
    const room = (await call('POST', '/rooms', owner, { name: 'Rename 0' })).body.room as string;
    for (let i = 1; i <= 25; i++) {
      expect((await call('PUT', `/rooms/${room}`, owner, { name: `Rename ${i}` })).status).toBe(200);
      expect((await call('GET', `/rooms/${room}/public`)).body.name).toBe(`Rename ${i}`);
    }
    expect((await ownedRoom(room)).name).toBe('Rename 25');
  });

  it('a PUT answers only once the public read model has it, even when the bus lags', async () => {
    // A bus that delivers every batch 150 ms late, as a busy cluster might.
    const inner = inprocBus();
    const laggingBus: Bus = {
      kind: 'lagging',
      publish: async (events) => {
        await new Promise((r) => setTimeout(r, 150));
        await inner.publish(events);
      },
      subscribe: (options, handler) => inner.subscribe(options, handler),
      close: () => inner.close(),
    };
    // On the cluster engines the read models follow the store's log, not the bus: that feed lags instead.
    const slow = await startTestServer({}, e2eProfile === 'cluster' ? { storeFeedLagMs: 150 } : { bus: laggingBus });
    try {
      const token = await slow.identity('discord:patient');
      const send = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(slow.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
        return { status: res.status, body: (await res.json()) as any };
      };
      const room = (await send('POST', '/rooms', { name: 'Before' })).body.room as string;
      for (let i = 1; i <= 3; i++) {
        expect((await send('PUT', `/rooms/${room}`, { name: `After ${i}` })).status).toBe(200);
        expect((await send('GET', `/rooms/${room}/public`)).body.name).toBe(`After ${i}`);
      }
    } finally {
      await slow.stop();
    }
  });
});
