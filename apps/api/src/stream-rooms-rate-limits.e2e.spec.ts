import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * Quotas: a server started with 5 requests per minute per caller on the REST surface and 5 per
 * minute per IP on the public read. A second IP is a real one: the client binds 127.0.0.2
 * (all of 127/8 is loopback on Linux), so the server sees another remote address.
 */

let server: TestServer;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
}

function call(method: string, path: string, opts: { token?: string; body?: unknown; from?: string } = {}): Promise<Reply> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const url = new URL(server.url + path);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent: false,
        ...(opts.from ? { localAddress: opts.from } : {}),
        headers: {
          'content-type': 'application/json',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(payload !== undefined ? { 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function expectRateLimited(reply: Reply, before: number): void {
  expect(reply.status).toBe(429);
  expect(reply.body).toEqual({ error: 'Rate Limited', message: expect.any(String), status: 429 });
  expect(reply.headers['x-ratelimit-remaining']).toBe('0');
  expect(reply.headers['x-ratelimit-limit']).toBe('5');
  const retryAfter = Number(reply.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const reset = Number(reply.headers['x-ratelimit-reset']);
  expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000));
  expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
  // Retry-After and the reset point at the same moment.
  expect(Math.abs(reset - Math.ceil(Date.now() / 1000) - retryAfter)).toBeLessThanOrEqual(2);
}

beforeAll(async () => {
  server = await startTestServer({ PARLEY_RATE_LIMIT_PER_MINUTE: '5', PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '5' });
});

afterAll(async () => {
  await server?.stop();
});

describe('stream rooms: rate limits', () => {
  it('per caller (token subject): the 6th request in a minute gets 429 with the error body and quota headers; another caller is unaffected', async () => {
    const alice = await server.identity('discord:alice');
    const bob = await server.identity('discord:bob');
    const started = Date.now();
    const created = await call('POST', '/rooms', { token: alice, body: { name: 'Alice room' } });
    expect(created.status).toBe(200);
    expect(created.headers['x-ratelimit-remaining']).toBe('4');
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call('GET', '/rooms', { token: alice });
      expect(r.status).toBe(200);
      remaining.push(r.headers['x-ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);

    const headBefore = await server.parley.ctx.store.headPosition();
    const sixth = await call('POST', '/rooms', { token: alice, body: { name: 'One too many' } });
    expectRateLimited(sixth, started);
    expect(await server.parley.ctx.store.headPosition()).toBe(headBefore);
    expectRateLimited(await call('GET', '/rooms', { token: alice }), started);
    // A new token for the same subject is the same caller.
    expectRateLimited(await call('GET', '/rooms', { token: await server.identity('discord:alice') }), started);

    const other = await call('GET', '/rooms', { token: bob });
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('4');
  });

  it('per IP without a token: the 6th anonymous request gets 429; another IP is unaffected', async () => {
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await call('GET', '/rooms', { from: '127.0.0.3' })).status).toBe(401);
    expectRateLimited(await call('GET', '/rooms', { from: '127.0.0.3' }), started);
    const elsewhere = await call('GET', '/rooms', { from: '127.0.0.4' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers['x-ratelimit-remaining']).toBe('4');
  });

  it('made-up API keys do not buy fresh quotas: an unverified key counts against its IP', async () => {
    const started = Date.now();
    const room = (await call('POST', '/rooms', { token: await server.identity('discord:key-owner'), body: { name: 'Keyed' } })).body.room as string;
    const mint = (key: string) => call('POST', `/rooms/${room}/tokens`, { token: key, body: { user_id: 'custom:u', display_name: 'U' }, from: '127.0.0.7' });
    for (let i = 0; i < 5; i++) expect((await mint(`sk_live_guess${i}${'x'.repeat(20)}`)).status).toBe(401);
    expectRateLimited(await mint(`sk_live_guess9${'x'.repeat(20)}`), started);
  });

  it('the public read has its own per-IP quota: the 6th read gets 429; another IP, and the authenticated quota, are unaffected', async () => {
    const owner = await server.identity('discord:public-owner');
    const room = (await call('POST', '/rooms', { token: owner, body: { name: 'Public' }, from: '127.0.0.5' })).body.room as string;
    const started = Date.now();
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call('GET', `/rooms/${room}/public`, { from: '127.0.0.5' });
      expect(r.status).toBe(200);
      remaining.push(r.headers['x-ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expectRateLimited(await call('GET', `/rooms/${room}/public`, { from: '127.0.0.5' }), started);
    // Unknown rooms count too: probing ids is not free.
    expectRateLimited(await call('GET', '/rooms/nosuchroom000/public', { from: '127.0.0.5' }), started);

    const elsewhere = await call('GET', `/rooms/${room}/public`, { from: '127.0.0.6' });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers['x-ratelimit-remaining']).toBe('4');
    const sameIpWithToken = await call('GET', '/rooms', { token: owner, from: '127.0.0.5' });
    expect(sameIpWithToken.status).toBe(200);
  });

  it('tRPC shares the caller quota: REST and /trpc together get 5, then /trpc answers TOO_MANY_REQUESTS with the quota headers', async () => {
    const carol = await server.identity('discord:carol');
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await call('GET', '/rooms', { token: carol })).status).toBe(200);
    const viaTrpc = await call('GET', '/trpc/rooms.listOwned', { token: carol });
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.headers['x-ratelimit-remaining']).toBe('1');
    expect((await call('GET', '/trpc/rooms.listOwned', { token: carol })).status).toBe(200);

    const limited = await call('GET', '/trpc/rooms.listOwned', { token: carol });
    expect(limited.status).toBe(429);
    expect(limited.body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(started / 1000));
    // A mutation refused by the quota appends nothing.
    const before = await server.parley.ctx.store.headPosition();
    expect((await call('POST', '/trpc/rooms.create', { token: carol, body: { name: 'Too many' } })).status).toBe(429);
    expect(await server.parley.ctx.store.headPosition()).toBe(before);
    expectRateLimited(await call('GET', '/rooms', { token: carol }), started);
  });
});
