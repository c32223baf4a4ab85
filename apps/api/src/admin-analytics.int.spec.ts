import { Validator } from '@seriousme/openapi-schema-validator';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { testClickhouse, type TestClickhouse } from '@parley/projections/clickhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminAnalyticsOf } from './application/admin-analytics.js';
import type { AppRouter } from './trpc/index.js';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { eventually } from './testing/eventually.js';

/*
 * A real server with CLICKHOUSE_URL pointing at the real ClickHouse (fresh database): messages go
 * in through the webhook ingress, the ClickHouse projector applies them from the bus, the admin
 * surface reads them back.
 */

let ch: TestClickhouse;
let server: TestServer;
let adminToken: string;
let ownerToken: string;
let room: string;
let apiKey: string;

const call = async (path: string, token?: string) => {
  const res = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

const send = async (method: string, path: string, body: unknown, token: string) => {
  const res = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
};

/** A guest viewer on `/ws`, open once its `hello` arrived. */
const openGuest = (roomId: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?room=${roomId}&guest=1`);
    ws.on('message', (data) => JSON.parse(String(data)).t === 'hello' && resolve(ws));
    ws.once('error', reject);
  });

const trpc = (token?: string) =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })] });

const posts = [
  { text: 'Hello from Twitch', source: 'twitch', userId: 'alice' },
  { text: 'hello AGAIN', source: 'twitch', userId: 'bob' },
  { text: 'gg', source: 'twitch', userId: 'alice' },
  { text: 'HELLO youtube', source: 'youtube', userId: 'carl' },
  { text: 'anonymous hello' },
  { text: 'donation thanks' },
];

beforeAll(async () => {
  ch = await testClickhouse('parley_admin');
  server = await startTestServer({ CLICKHOUSE_URL: `${ch.url}/${ch.database}`, PARLEY_VIEWER_SAMPLE_MS: '100', PARLEY_NODE_ID: 'embedded-test' });
  adminToken = await server.identity('discord:admin');
  ownerToken = await server.identity('discord:owner');
  const created = await send('POST', '/rooms', { name: 'Analytics room', allowed_providers: ['discord', 'twitch', 'guest'] }, ownerToken);
  expect(created.status).toBe(200);
  ({ room, api_key: apiKey } = JSON.parse(created.text));
  for (const p of posts) {
    const { text, ...rest } = p;
    const res = await send('POST', `/rooms/${room}/ingress`, { type: 'chat', payload: { text, ...rest } }, apiKey);
    expect(res.status, res.text).toBe(202);
  }
  expect((await send('POST', `/rooms/${room}/moderation`, { action: 'mute', target: 'twitch:bob', duration: 600, reason: 'caps' }, ownerToken)).status).toBe(200);
  expect((await send('POST', `/rooms/${room}/moderation`, { action: 'ban', target: 'twitch:carl' }, ownerToken)).status).toBe(200);
  // Applied by the projector from the bus: wait until ClickHouse has every post.
  const seen = await eventually(
    () => call(`/admin/search?room=${room}`, adminToken),
    (r) => r.status === 200 && r.body.messages.length === posts.length,
  );
  expect(seen.body.messages).toHaveLength(posts.length);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await ch?.drop();
});

const endpoints = ['/admin/search', '/admin/stats/messages', '/admin/stats/ingress', '/admin/stats/moderation', '/admin/stats/viewers', '/admin/analytics/audit-log'];

describe('admin analytics over HTTP (ClickHouse)', () => {
  it('answers admins only, in the stream-rooms error shape', async () => {
    const roomToken = JSON.parse((await send('POST', `/rooms/${room}/tokens`, { user_id: 'discord:admin', display_name: 'A' }, apiKey)).text).token as string;
    const expired = await server.parley.ctx.tokens.issueIdentity('discord:admin', -10);
    const cases: Array<[string | undefined, number, string]> = [
      [undefined, 401, 'Missing token'],
      ['not-a-jwt', 401, 'Invalid token'],
      [expired, 401, 'Token expired'],
      [apiKey, 401, 'An identity token is required'],
      [roomToken, 401, 'An identity token is required'],
      [ownerToken, 403, 'Admins only'],
    ];
    for (const path of endpoints) {
      for (const [token, status, message] of cases) {
        const res = await call(`${path}?limit=abc&since=yesterday`, token);
        expect(res, `${path} ${message}`).toEqual({ status, body: { error: status === 401 ? 'Unauthorized' : 'Forbidden', message, status } });
      }
      expect((await call(path, adminToken)).status, path).toBe(200);
    }
  });

  it('refuses bad queries with 400 and changes nothing', async () => {
    for (const path of ['/admin/search?limit=0', '/admin/search?since=yesterday', '/admin/stats/moderation?bucket=week', '/admin/analytics/audit-log?limit=501']) {
      const res = await call(path, adminToken);
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({ error: 'Bad Request', status: 400 });
    }
    const backwards = await call('/admin/stats/messages?since=2024-01-02T00:00:00Z&until=2024-01-01T00:00:00Z', adminToken);
    expect(backwards).toEqual({ status: 400, body: { error: 'Bad Request', message: 'since must not be after until', status: 400 } });
    const tooWide = await call('/admin/stats/messages?since=2024-01-01T00:00:00Z&until=2024-03-01T00:00:00Z', adminToken);
    expect(tooWide).toEqual({ status: 400, body: { error: 'Bad Request', message: 'The window may span at most 7 days', status: 400 } });
  });

  it('searches words case-insensitively with filters', async () => {
    const texts = async (query: string) => (await call(`/admin/search?${query}`, adminToken)).body.messages.map((m: { text: string }) => m.text);
    expect(await texts(`q=hello&room=${room}`)).toEqual(['anonymous hello', 'HELLO youtube', 'hello AGAIN', 'Hello from Twitch']);
    expect(await texts(`q=HeLLo%20again`)).toEqual(['hello AGAIN']);
    expect(await texts(`q=hello&sender=twitch:alice`)).toEqual(['Hello from Twitch']);
    expect(await texts(`q=hello&room=elsewhere`)).toEqual([]);
    expect(await texts(`q=hello&until=2000-01-01T00:00:00Z`)).toEqual([]);
    const first = (await call(`/admin/search?room=${room}&limit=4`, adminToken)).body;
    expect(first.messages).toHaveLength(4);
    expect(first.messages[0]).toMatchObject({ room, text: 'donation thanks', source: 'webhook', sender: null, via: 'ingress', visibility: 'all', removed: false, kind: 'chat' });
    const rest = (await call(`/admin/search?room=${room}&limit=4&cursor=${first.next_cursor}`, adminToken)).body;
    expect(rest.messages.map((m: { text: string }) => m.text)).toEqual(['hello AGAIN', 'Hello from Twitch']);
    expect(rest.next_cursor).toBeNull();
  });

  it('gives exact stats for what was posted', async () => {
    const messages = (await call(`/admin/stats/messages?room=${room}`, adminToken)).body;
    expect(messages.truncated).toBe(false);
    expect(messages.buckets.every((b: { room: string }) => b.room === room)).toBe(true);
    expect(messages.buckets.reduce((n: number, b: { messages: number }) => n + b.messages, 0)).toBe(posts.length);
    expect(messages.buckets[0].minute).toMatch(/:00\.000Z$/);

    expect((await call('/admin/stats/ingress', adminToken)).body.sources).toEqual([
      { source: 'twitch', messages: 3 },
      { source: 'webhook', messages: 2 },
      { source: 'youtube', messages: 1 },
    ]);

    const moderation = (await call(`/admin/stats/moderation?room=${room}&bucket=day`, adminToken)).body;
    expect(moderation.bucket).toBe('day');
    expect(moderation.buckets.map((b: { action: string; count: number }) => [b.action, b.count])).toEqual([
      ['user.ban', 1],
      ['user.mute', 1],
    ]);
    expect(moderation.buckets[0].start).toMatch(/T00:00:00\.000Z$/);
  });

  it('sums the fan-out nodes’ latest viewer samples', async () => {
    const analytics = adminAnalyticsOf(server.parley.ctx)!;
    const now = Date.now();
    await analytics.recordViewerSamples([
      { node: 'fan-1', room, at: now - 4_000, viewers: 3 },
      { node: 'fan-1', room, at: now - 1_000, viewers: 4 },
      { node: 'fan-2', room, at: now - 2_000, viewers: 6 },
      { node: 'fan-2', room: 'other', at: now - 2_000, viewers: 1 },
    ]);
    const viewers = (await call(`/admin/stats/viewers?room=${room}`, adminToken)).body;
    expect(viewers).toMatchObject({ total: 10, rooms: [{ room, viewers: 10, nodes: 2 }] });
    expect((await call('/admin/stats/viewers', adminToken)).body.total).toBe(11);
  });

  it('counts live viewers: the node samples its connections into ClickHouse, and a room that empties drops to 0', async () => {
    const created = await send('POST', '/rooms', { name: 'Watched room', allowed_providers: ['guest'] }, ownerToken);
    const watched = JSON.parse(created.text).room as string;
    const sockets = await Promise.all([1, 2, 3].map(() => openGuest(watched)));
    const counted = await eventually(() => call(`/admin/stats/viewers?room=${watched}`, adminToken), (r) => r.body.total === 3);
    expect(counted.body).toMatchObject({ total: 3, rooms: [{ room: watched, viewers: 3, nodes: 1 }] });
    await Promise.all(sockets.map((ws) => new Promise<void>((r) => (ws.once('close', () => r()), ws.close()))));
    const emptied = await eventually(() => call(`/admin/stats/viewers?room=${watched}`, adminToken), (r) => r.body.total === 0);
    expect(emptied.body).toMatchObject({ total: 0, rooms: [] });
  });

  it('serves the audit log from ClickHouse exactly as the SQLite one answers', async () => {
    for (const query of [`room=${room}`, `room=${room}&action=user.ban`, `room=${room}&limit=1`, `actor=discord:owner&room=${room}`]) {
      const fromClickhouse = await call(`/admin/analytics/audit-log?${query}`, adminToken);
      const fromSqlite = await call(`/admin/audit-log?${query}`, adminToken);
      expect(fromClickhouse.status).toBe(200);
      expect(fromClickhouse.body, query).toEqual(fromSqlite.body);
    }
    const entries = (await call(`/admin/analytics/audit-log?room=${room}`, adminToken)).body.entries;
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['user.ban', 'user.mute', 'room.created']);
  });

  it('offers the same queries over tRPC, admins only', async () => {
    const found = await trpc(adminToken).adminAnalytics.search.query({ q: 'AGAIN', room });
    expect(found.messages.map((m) => m.text)).toEqual(['hello AGAIN']);
    const ingress = await trpc(adminToken).adminAnalytics.ingressStats.query({});
    expect(ingress.sources[0]).toEqual({ source: 'twitch', messages: 3 });
    const audit = await trpc(adminToken).adminAnalytics.auditLog.query({ room, limit: 1 });
    expect(audit.entries[0]).toMatchObject({ action: 'user.ban', target: 'twitch:carl' });
    const refused = await trpc(ownerToken).adminAnalytics.moderationStats.query({ bucket: 'hour' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
  });

  it('documents every admin operation in the OpenAPI document', async () => {
    const doc = (await call('/openapi.json')).body;
    const validation = await new Validator().validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    for (const path of endpoints) {
      expect(doc.paths[path]?.get, path).toBeDefined();
      expect(Object.keys(doc.paths[path].get.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    }
    expect(doc.paths['/admin/search'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'room', 'sender', 'since', 'until', 'limit', 'cursor']),
    );
  });
});
