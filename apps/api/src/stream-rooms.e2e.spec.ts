import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
};

describe('stream rooms: the newcomer tour', () => {
  it('creates a room, mints a token, moderates a user and finds it in the audit log', async () => {
    const owner = await server.identity('discord:123');
    const created = await call('POST', '/rooms', { name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], max_viewers: 100 }, owner);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'My Stream Chat', owner: 'discord:123' });
    expect(created.body.api_key).toMatch(/^sk_live_/);
    expect(created.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(created.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    const room = created.body.room as string;

    const pub = await call('GET', `/rooms/${room}/public`);
    expect(pub).toMatchObject({ status: 200, body: { room, name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], badges: ['verified'], online: false } });

    const owned = await call('GET', '/rooms', undefined, owner);
    expect(owned.status).toBe(200);
    expect(owned.body.rooms.map((r: { room: string }) => r.room)).toContain(room);

    const minted = await call('POST', `/rooms/${room}/tokens`, { user_id: 'custom:user123', display_name: 'ChatBot', roles: ['bot'], ttl: 3600 }, created.body.api_key);
    expect(minted.status).toBe(200);
    expect(minted.body.token.split('.')).toHaveLength(3);

    const mod = await call('POST', `/rooms/${room}/moderation`, { action: 'mute', target: 'discord:999', duration: 600, reason: 'Spam' }, owner);
    expect(mod.status).toBe(200);
    expect(mod.body).toMatchObject({ room, action: 'mute', target: 'discord:999', reason: 'Spam' });
    expect(Date.parse(mod.body.until)).toBeGreaterThan(Date.now());

    const admin = await server.identity('discord:admin');
    const audit = await call('GET', `/admin/audit-log?room=${room}`, undefined, admin);
    expect(audit.status).toBe(200);
    expect(audit.body.entries[0]).toMatchObject({ room, actor: 'discord:123', action: 'user.mute', target: 'discord:999', reason: 'Spam' });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toContain('room.created');

    const notAdmin = await call('GET', `/admin/audit-log?room=${room}`, undefined, owner);
    expect(notAdmin.status).toBe(403);
  });
});
