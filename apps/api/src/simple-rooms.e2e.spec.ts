import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, freshIp, trustForwardedFor, type Account } from './surfaces/simple-rooms/test-client.js';
import { startTestServer, type TestServer } from './testing/test-server.js';
import type { AppRouter } from './trpc/index.js';

let server: TestServer;
let http: ReturnType<typeof client>;
let ryo: Account; // admin (PARLEY_ADMINS of the test server: discord:admin,ryo)
let alice: Account;
let bob: Account;
let carol: Account;
let dave: Account;

beforeAll(async () => {
  trustForwardedFor();
  server = await startTestServer();
  http = client(server.url);
  const registered = await Promise.all(['ryo', 'Alice', 'bob', 'carol', 'dave'].map((name) => http.register(name)));
  [ryo, alice, bob, carol, dave] = registered as [Account, Account, Account, Account, Account];
});
afterAll(async () => {
  await server.stop();
});

const createPublic = (name: string) => http.createRoom(ryo, { type: 'public', name });
const createPrivate = (creator: Account, members: string[]) => http.createRoom(creator, { type: 'private', members });
const idsOf = (res: { body: { rooms: { id: string }[] } }) => res.body.rooms.map((r) => r.id);

describe('create', () => {
  it('an admin creates a public room; the answer is the reference shape', async () => {
    const before = Date.now();
    const res = await http.as(ryo, 'POST', '/api/rooms', { type: 'public', name: 'General Chat' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ room: { id: expect.stringMatching(/^[a-z0-9]{12}$/), name: 'General Chat', type: 'public', createdAt: expect.any(Number), userCount: 0 } });
    expect(res.body.room.createdAt).toBeGreaterThanOrEqual(before);
    expect(res.headers.get('x-ratelimit-limit')).toBe('2000');
  });

  it('a private room: creator added first, name generated, body name ignored, usernames lowercased', async () => {
    const res = await http.as(alice, 'POST', '/api/rooms', { type: 'private', members: ['Bob'], name: 'Project Discussion' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ room: { id: expect.any(String), name: '@alice, @bob', type: 'private', members: ['alice', 'bob'], createdAt: expect.any(Number), userCount: 2 } });
  });

  it.each([
    ['a public room by a non-admin', () => alice, { type: 'public', name: 'Mine' }, 403, 'Forbidden'],
    ['a public room without a name', () => ryo, { type: 'public' }, 400, 'Invalid request'],
    ['a public room with a blank name', () => ryo, { type: 'public', name: '   ' }, 400, 'Invalid request'],
    ['a private room without members', () => alice, { type: 'private' }, 400, 'Invalid request'],
    ['a private room with an empty member list', () => alice, { type: 'private', members: [] }, 400, 'Invalid request'],
    ['a private room with a member that is not a username', () => alice, { type: 'private', members: ['not a name'] }, 400, 'Invalid request'],
    ['an unknown type', () => alice, { type: 'secret', name: 'x' }, 400, 'Invalid request'],
    ['members that are not strings', () => alice, { type: 'private', members: [1, 2] }, 400, 'Invalid request'],
  ])('refuses %s', async (_what, who, body, status, error) => {
    const head = await server.parley.ctx.store.headPosition();
    const res = await http.as(who(), 'POST', '/api/rooms', body);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error });
    expect(await server.parley.ctx.store.headPosition()).toBe(head);
  });

  it('refuses a body that is not JSON, and an anonymous caller', async () => {
    expect(await http.call('POST', '/api/rooms', { body: '{"type":', token: alice.token, username: 'alice' })).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    expect(await http.call('POST', '/api/rooms', { body: { type: 'private', members: ['bob'] } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
  });
});

describe('list, get and users', () => {
  it('lists public rooms and the caller\'s private rooms; the legacy username query grants nothing', async () => {
    const pub = await createPublic('Lobby');
    const priv = await createPrivate(bob, ['carol']);
    const anonymous = await http.call('GET', '/api/rooms');
    expect(anonymous.status).toBe(200);
    expect(idsOf(anonymous)).toContain(pub);
    expect(idsOf(anonymous)).not.toContain(priv);
    expect(idsOf(await http.call('GET', '/api/rooms?username=bob'))).not.toContain(priv);
    expect(idsOf(await http.call('GET', '/api/rooms?username=bob', { token: dave.token, username: 'dave' }))).not.toContain(priv);
    const asBob = await http.as(bob, 'GET', '/api/rooms');
    expect(idsOf(asBob)).toEqual(expect.arrayContaining([pub, priv]));
    expect(asBob.body.rooms.find((r: { id: string }) => r.id === priv)).toEqual({ id: priv, name: '@bob, @carol', type: 'private', members: ['bob', 'carol'], createdAt: expect.any(Number), userCount: 2 });
    expect(asBob.body.rooms.find((r: { id: string }) => r.id === pub)).toEqual({ id: pub, name: 'Lobby', type: 'public', createdAt: expect.any(Number), userCount: 0 });
    // Reads work with a token and no X-Username.
    expect(idsOf(await http.call('GET', '/api/rooms', { token: carol.token }))).toContain(priv);
    const created = asBob.body.rooms.map((r: { createdAt: number }) => r.createdAt);
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it('gets a room and its active users with joinedAt', async () => {
    const pub = await createPublic('Users');
    const t0 = Date.now();
    expect(await http.as(alice, 'POST', `/api/rooms/${pub}/join`, { username: 'alice' })).toMatchObject({ status: 200, body: { success: true } });
    expect(await http.as(bob, 'POST', `/api/rooms/${pub}/join`)).toMatchObject({ status: 200, body: { success: true } });
    const users = await http.call('GET', `/api/rooms/${pub}/users`);
    expect(users.status).toBe(200);
    expect(users.body).toEqual({ users: [{ username: 'alice', joinedAt: expect.any(Number) }, { username: 'bob', joinedAt: expect.any(Number) }] });
    expect(users.body.users[0].joinedAt).toBeGreaterThanOrEqual(t0);
    expect(await http.call('GET', `/api/rooms/${pub}`)).toMatchObject({ status: 200, body: { room: { id: pub, name: 'Users', type: 'public', userCount: 2 } } });
  });

  it('unknown rooms and ids of any shape are 404 Room not found', async () => {
    for (const id of ['doesnotexist', 'x'.repeat(65), '..%2F..', 'a%20b']) {
      expect(await http.call('GET', `/api/rooms/${id}`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await http.call('GET', `/api/rooms/${id}/users`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await http.as(alice, 'POST', `/api/rooms/${id}/join`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await http.as(alice, 'POST', `/api/rooms/${id}/leave`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await http.as(ryo, 'DELETE', `/api/rooms/${id}`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
    }
  });
});

describe('join, leave, delete', () => {
  it('join is idempotent, leave ends presence; acting for someone else is 403', async () => {
    const pub = await createPublic('Presence');
    expect((await http.as(carol, 'POST', `/api/rooms/${pub}/join`, { username: 'carol' })).status).toBe(200);
    expect((await http.as(carol, 'POST', `/api/rooms/${pub}/join`, { username: 'CAROL' })).status).toBe(200);
    expect((await http.call('GET', `/api/rooms/${pub}/users`)).body.users).toHaveLength(1);
    expect(await http.as(carol, 'POST', `/api/rooms/${pub}/join`, { username: 'dave' })).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await http.as(carol, 'POST', `/api/rooms/${pub}/leave`, { username: 'dave' })).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await http.as(carol, 'POST', `/api/rooms/${pub}/join`, { username: 42 })).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    expect(await http.as(carol, 'POST', `/api/rooms/${pub}/join`, '{bad')).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    expect((await http.as(carol, 'POST', `/api/rooms/${pub}/leave`, { username: 'carol' })).status).toBe(200);
    expect((await http.call('GET', `/api/rooms/${pub}/users`)).body.users).toEqual([]);
    expect(await http.call('POST', `/api/rooms/${pub}/join`, { body: { username: 'carol' } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
  });

  it('only an admin deletes a public room; then it is gone', async () => {
    const pub = await createPublic('Doomed');
    expect(await http.as(alice, 'DELETE', `/api/rooms/${pub}`)).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await http.call('DELETE', `/api/rooms/${pub}`)).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await http.as(ryo, 'DELETE', `/api/rooms/${pub}`)).toMatchObject({ status: 200, body: { success: true } });
    expect((await http.call('GET', `/api/rooms/${pub}`)).status).toBe(404);
    expect(idsOf(await http.call('GET', '/api/rooms'))).not.toContain(pub);
    expect((await http.as(ryo, 'DELETE', `/api/rooms/${pub}`)).status).toBe(404);
  });

  it('auto-delete: a private room goes when at most one member is left (leave or delete)', async () => {
    const room = await createPrivate(alice, ['bob', 'carol']);
    expect((await http.as(carol, 'POST', `/api/rooms/${room}/leave`)).status).toBe(200);
    const after = await http.as(alice, 'GET', `/api/rooms/${room}`);
    expect(after.body.room).toMatchObject({ members: ['alice', 'bob'], userCount: 2 });
    expect((await http.as(carol, 'GET', `/api/rooms/${room}`)).status).toBe(404);
    // A member's DELETE is a leave; alice is left alone, so the room is removed.
    expect(await http.as(bob, 'DELETE', `/api/rooms/${room}`)).toMatchObject({ status: 200, body: { success: true } });
    expect((await http.as(alice, 'GET', `/api/rooms/${room}`)).status).toBe(404);
    expect(idsOf(await http.as(alice, 'GET', '/api/rooms'))).not.toContain(room);
    expect((await http.as(alice, 'POST', `/api/rooms/${room}/leave`)).status).toBe(404);
  });

  it('a private room of the creator alone is removed when the creator leaves', async () => {
    const room = await createPrivate(dave, ['dave']);
    expect((await http.as(dave, 'GET', `/api/rooms/${room}`)).body.room).toMatchObject({ members: ['dave'], userCount: 1 });
    expect((await http.as(dave, 'POST', `/api/rooms/${room}/leave`)).status).toBe(200);
    expect((await http.as(dave, 'GET', `/api/rooms/${room}`)).status).toBe(404);
  });
});

describe('authentication: Bearer token plus X-Username', () => {
  it('X-Username must name the token\'s account (any case); a mismatch is 401, also on reads', async () => {
    const pub = await createPublic('Names');
    expect((await http.call('POST', `/api/rooms/${pub}/join`, { token: alice.token, username: 'ALICE' })).status).toBe(200);
    expect(await http.call('POST', `/api/rooms/${pub}/join`, { token: alice.token, username: 'bob' })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await http.call('POST', `/api/rooms/${pub}/join`, { token: alice.token })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await http.call('GET', '/api/rooms', { token: alice.token, username: 'ryo' })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    // Impersonating the admin by header does not grant admin rights.
    expect((await http.call('DELETE', `/api/rooms/${pub}`, { token: alice.token, username: 'ryo' })).status).toBe(401);
    expect((await http.call('GET', `/api/rooms/${pub}`)).status).toBe(200);
  });

  it('a malformed, foreign or garbage token is 401 even on reads', async () => {
    for (const authorization of ['Bearer', 'Basic abc', 'Bearer not.a.jwt', `Bearer ${await server.identity('discord:admin')}`]) {
      expect(await http.call('GET', '/api/rooms', { headers: { authorization } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    }
  });
});

describe('rate limit', () => {
  it('2000 requests per minute per account; the next is 429 Rate limit exceeded with Retry-After; others are unaffected', async () => {
    const eve = await http.register('eve');
    let remaining = -1;
    for (let sent = 0; sent < 2000; sent += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => http.as(eve, 'GET', '/api/rooms')));
      expect(batch.every((r) => r.status === 200)).toBe(true);
      remaining = Math.min(...batch.map((r) => Number(r.headers.get('x-ratelimit-remaining'))));
    }
    expect(remaining).toBe(0);
    const limited = await http.as(eve, 'GET', '/api/rooms');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'Rate limit exceeded' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await http.as(eve, 'POST', '/api/rooms', { type: 'private', members: ['bob'] })).status).toBe(429);
    expect((await http.as(alice, 'GET', '/api/rooms')).status).toBe(200);
  }, 60_000);
});

describe('OpenAPI', () => {
  it('documents every /api/rooms operation with the one error body', async () => {
    const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
    const methods = Object.fromEntries(Object.entries(doc.paths as Record<string, object>).filter(([p]) => p.startsWith('/api/rooms')).map(([p, ops]) => [p, Object.keys(ops).sort()]));
    expect(methods).toEqual({ '/api/rooms': ['get', 'post'], '/api/rooms/{id}': ['delete', 'get'], '/api/rooms/{id}/join': ['post'], '/api/rooms/{id}/leave': ['post'], '/api/rooms/{id}/users': ['get'], '/api/rooms/{id}/messages': ['get', 'post'] });
    expect(doc.paths['/api/rooms/{id}'].get.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SimpleRoomsError' });
    expect(doc.components.schemas.SimpleRoomsError.properties.error.enum).toEqual(expect.arrayContaining(['Invalid request', 'Authentication required', 'Forbidden', 'Room not found', 'Rate limit exceeded']));
  });
});

describe('tRPC simpleRooms', () => {
  const trpc = (account?: Account) =>
    createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: () => ({ 'x-forwarded-for': freshIp(), ...(account ? { authorization: `Bearer ${account.token}` } : {}) }) })] });

  it('runs the same use cases with typed errors', async () => {
    const { room } = await trpc(alice).simpleRooms.create.mutate({ type: 'private', members: ['dave'] });
    expect(room).toMatchObject({ type: 'private', name: '@alice, @dave', members: ['alice', 'dave'] });
    expect((await trpc(dave).simpleRooms.list.query()).rooms.map((r) => r.id)).toContain(room.id);
    expect((await trpc().simpleRooms.list.query()).rooms.map((r) => r.id)).not.toContain(room.id);
    expect((await trpc(dave).simpleRooms.get.query({ id: room.id })).room.id).toBe(room.id);
    await expect(trpc(bob).simpleRooms.get.query({ id: room.id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(trpc().simpleRooms.create.mutate({ type: 'private', members: ['bob'] })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(trpc(alice).simpleRooms.create.mutate({ type: 'public', name: 'Nope' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(trpc(alice).simpleRooms.create.mutate({ type: 'private', members: [] })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    const pub = await trpc(ryo).simpleRooms.create.mutate({ type: 'public', name: 'Via tRPC' });
    await trpc(bob).simpleRooms.join.mutate({ id: pub.room.id });
    expect((await trpc().simpleRooms.users.query({ id: pub.room.id })).users.map((u) => u.username)).toEqual(['bob']);
    await trpc(bob).simpleRooms.leave.mutate({ id: pub.room.id });
    await trpc(dave).simpleRooms.delete.mutate({ id: room.id });
    await expect(trpc(alice).simpleRooms.get.query({ id: room.id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });
});
