import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { jsonCall, type JsonReply as Reply } from './testing/json-call.js';

/*
 * Authorization of the stream-rooms surface as one table: who calls (rows) × what (columns) →
 * status. Every cell runs against a fresh room, so no cell depends on another (rotating the API
 * key in one cell cannot break the API-key row of the next). A refused cell must append nothing
 * and answer with the one error body.
 */

let server: TestServer;
let otherRoom: { room: string; apiKey: string };

const call = (method: string, path: string, token?: string, body?: unknown) => jsonCall(server.url, method, path, token, body);

interface Fixture {
  room: string;
  apiKey: string;
  ownerToken: string;
}

const OWNER = 'discord:owner';
const MODERATOR = 'discord:listed-mod';

/** A room owned by OWNER with MODERATOR listed. */
async function freshRoom(): Promise<Fixture> {
  const ownerToken = await server.identity(OWNER);
  const created = await call('POST', '/rooms', ownerToken, { name: 'Matrix room', allowed_providers: ['discord', 'guest'] });
  expect(created.status).toBe(200);
  const { room, api_key: apiKey } = created.body;
  expect((await call('PUT', `/rooms/${room}`, ownerToken, { moderators: [MODERATOR] })).status).toBe(200);
  return { room, apiKey, ownerToken };
}

async function roomToken(room: string, apiKey: string, roles: string[]): Promise<string> {
  const minted = await call('POST', `/rooms/${room}/tokens`, apiKey, { user_id: 'guest:holder', display_name: 'Holder', roles, ttl: 600 });
  expect(minted.status).toBe(200);
  return minted.body.token;
}

const roles = {
  anonymous: async () => undefined,
  'stranger identity': async () => server.identity('discord:stranger'),
  'owner identity': async (f: Fixture) => f.ownerToken,
  'listed moderator identity': async () => server.identity(MODERATOR),
  'admin identity (not the owner)': async () => server.identity('discord:admin'),
  'room token, role moderator': async (f: Fixture) => roomToken(f.room, f.apiKey, ['moderator']),
  'room token, no roles': async (f: Fixture) => roomToken(f.room, f.apiKey, []),
  'room token for another room': async () => roomToken(otherRoom.room, otherRoom.apiKey, ['moderator']),
  'API key': async (f: Fixture) => f.apiKey,
  'wrong API key': async () => 'sk_live_000000000000000000000000wrong',
} satisfies Record<string, (f: Fixture) => Promise<string | undefined>>;
type Role = keyof typeof roles;

const endpoints = {
  'PUT room': (f: Fixture, t?: string) => call('PUT', `/rooms/${f.room}`, t, { name: 'Renamed' }),
  'POST tokens': (f: Fixture, t?: string) => call('POST', `/rooms/${f.room}/tokens`, t, { user_id: 'custom:u1', display_name: 'U1', roles: [], ttl: 60 }),
  'POST moderation': (f: Fixture, t?: string) => call('POST', `/rooms/${f.room}/moderation`, t, { action: 'mute', target: 'guest:someone', duration: 60 }),
  'GET owned rooms': (_f: Fixture, t?: string) => call('GET', '/rooms', t),
  'rotate API key': (f: Fixture, t?: string) => call('POST', `/rooms/${f.room}/api-key`, t),
  'read webhook secret': (f: Fixture, t?: string) => call('GET', `/rooms/${f.room}/webhook-secret`, t),
  'rotate webhook secret': (f: Fixture, t?: string) => call('POST', `/rooms/${f.room}/webhook-secret`, t, { grace_seconds: 60 }),
  'audit log': (f: Fixture, t?: string) => call('GET', `/admin/audit-log?room=${f.room}`, t),
} satisfies Record<string, (f: Fixture, token?: string) => Promise<Reply>>;
type Endpoint = keyof typeof endpoints;

// prettier-ignore
const expected: Record<Role, Record<Endpoint, number>> = {
  //                                  PUT  tokens  moderation  GET /rooms  rotate key  read secret  rotate secret  audit
  'anonymous':                      { 'PUT room': 401, 'POST tokens': 401, 'POST moderation': 401, 'GET owned rooms': 401, 'rotate API key': 401, 'read webhook secret': 401, 'rotate webhook secret': 401, 'audit log': 401 },
  'stranger identity':              { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 403, 'GET owned rooms': 200, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 403 },
  'owner identity':                 { 'PUT room': 200, 'POST tokens': 200, 'POST moderation': 200, 'GET owned rooms': 200, 'rotate API key': 200, 'read webhook secret': 200, 'rotate webhook secret': 200, 'audit log': 403 },
  'listed moderator identity':      { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 200, 'GET owned rooms': 200, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 403 },
  'admin identity (not the owner)': { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 403, 'GET owned rooms': 200, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 200 },
  'room token, role moderator':     { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 200, 'GET owned rooms': 401, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 401 },
  'room token, no roles':           { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 403, 'GET owned rooms': 401, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 401 },
  'room token for another room':    { 'PUT room': 403, 'POST tokens': 403, 'POST moderation': 403, 'GET owned rooms': 401, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 401 },
  'API key':                        { 'PUT room': 403, 'POST tokens': 200, 'POST moderation': 403, 'GET owned rooms': 401, 'rotate API key': 403, 'read webhook secret': 403, 'rotate webhook secret': 403, 'audit log': 401 },
  'wrong API key':                  { 'PUT room': 401, 'POST tokens': 401, 'POST moderation': 401, 'GET owned rooms': 401, 'rotate API key': 401, 'read webhook secret': 401, 'rotate webhook secret': 401, 'audit log': 401 },
};

const cells = (Object.keys(expected) as Role[]).flatMap((role) => (Object.keys(endpoints) as Endpoint[]).map((endpoint) => ({ role, endpoint, status: expected[role][endpoint] })));

const errorNames: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

beforeAll(async () => {
  // Every cell creates a room and mints tokens as the same owner; keep the quota out of the way.
  server = await startTestServer({ PARLEY_RATE_LIMIT_PER_MINUTE: '100000' });
  const stranger = await server.identity('discord:other-owner');
  const other = await call('POST', '/rooms', stranger, { name: 'Another room' });
  otherRoom = { room: other.body.room, apiKey: other.body.api_key };
});

afterAll(async () => {
  await server?.stop();
});

describe('stream rooms: authorization matrix (role × endpoint → status)', () => {
  it('covers every role and every endpoint', () => {
    expect(cells).toHaveLength(Object.keys(roles).length * Object.keys(endpoints).length);
  });

  it.each(cells)('$role → $endpoint: $status', async ({ role, endpoint, status }) => {
    const fixture = await freshRoom();
    const token = await roles[role](fixture);
    const before = await server.parley.ctx.store.headPosition();
    const reply = await endpoints[endpoint](fixture, token);
    expect({ status: reply.status, body: reply.status >= 400 ? reply.body : 'ok' }).toEqual({
      status,
      body: status >= 400 ? { error: errorNames[status], message: expect.any(String), status } : 'ok',
    });
    if (status >= 400) expect(await server.parley.ctx.store.headPosition()).toBe(before);
  });

  it('an owner-authorised change really happened, and a refused one really did not', async () => {
    const fixture = await freshRoom();
    const moderatorRoomToken = await roomToken(fixture.room, fixture.apiKey, ['moderator']);
    expect((await call('PUT', `/rooms/${fixture.room}`, moderatorRoomToken, { name: 'Hijacked' })).status).toBe(403);
    expect((await call('GET', `/rooms/${fixture.room}/public`)).body.name).toBe('Matrix room');
    expect((await call('PUT', `/rooms/${fixture.room}`, fixture.ownerToken, { name: 'Renamed' })).status).toBe(200);
    expect((await call('GET', `/rooms/${fixture.room}/public`)).body.name).toBe('Renamed');
    // A rotated API key replaces the old one at once.
    const rotated = await call('POST', `/rooms/${fixture.room}/api-key`, fixture.ownerToken);
    const mint = (key: string) => call('POST', `/rooms/${fixture.room}/tokens`, key, { user_id: 'custom:u', display_name: 'U' });
    expect((await mint(fixture.apiKey)).status).toBe(401);
    expect((await mint(rotated.body.api_key)).status).toBe(200);
  });

  it('the API key holder cannot become the owner by minting a room token for the owner id', async () => {
    const fixture = await freshRoom();
    const asOwner = await call('POST', `/rooms/${fixture.room}/tokens`, fixture.apiKey, { user_id: OWNER, display_name: 'Not really the owner', roles: [] });
    expect(asOwner.status).toBe(200);
    const impostor = asOwner.body.token as string;
    const before = await server.parley.ctx.store.headPosition();
    expect((await call('PUT', `/rooms/${fixture.room}`, impostor, { name: 'Hijacked' })).status).toBe(403);
    expect((await call('POST', `/rooms/${fixture.room}/api-key`, impostor)).status).toBe(403);
    expect((await call('GET', `/rooms/${fixture.room}/webhook-secret`, impostor)).status).toBe(403);
    expect((await call('POST', `/rooms/${fixture.room}/webhook-secret`, impostor, {})).status).toBe(403);
    expect((await call('POST', `/rooms/${fixture.room}/tokens`, impostor, { user_id: 'custom:x', display_name: 'X' })).status).toBe(403);
    expect(await server.parley.ctx.store.headPosition()).toBe(before);
  });
});
