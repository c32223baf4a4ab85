import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { httpRequest, type HttpReply } from './testing/http-request.js';
import { createStreamRoom } from './testing/stream-room.js';

/*
 * Ingress limits at their exact boundaries, over real HTTP: 20 messages / 10 s per user id,
 * 60 / 10 s per source IP (a second IP is real: the client binds 127.0.0.2, all of 127/8 being
 * loopback on Linux), and 64 KB per message. The server runs on an injected clock, frozen where
 * a test needs exact instants; each test starts 11 s later so every window is fresh.
 */

let server: TestServer;
let room: string;
let apiKey: string;

const { now, freeze, freezeOnSecond, pastRateWindows } = testClock();

/** An ingress request with the room's API key (unless `headers` replace it), from the client address `from` if given. */
const ingress = (body: string | Buffer, opts: { from?: string; headers?: Record<string, string> } = {}) =>
  httpRequest(`${server.url}/rooms/${room}/ingress`, body, { localAddress: opts.from, headers: { authorization: `Bearer ${apiKey}`, ...opts.headers } });

const chat = (text: string, userId?: string) => JSON.stringify({ type: 'chat', payload: { text, ...(userId !== undefined ? { userId, source: 'twitch' } : {}) } });
const head = () => server.parley.ctx.store.headPosition();

/** 429 with the reference's body, Retry-After in whole seconds and the reset time of the window (s epoch). */
function expectLimited(reply: HttpReply, resetAtMs: number, retryAfterSeconds: number) {
  expect({ status: reply.status, text: reply.text }).toEqual({ status: 429, text: 'Too Many Requests' });
  expect(reply.headers['x-ratelimit-remaining']).toBe('0');
  expect(reply.headers['retry-after']).toBe(String(retryAfterSeconds));
  expect(reply.headers['x-ratelimit-reset']).toBe(String(Math.ceil(resetAtMs / 1000)));
}

beforeAll(async () => {
  server = await startTestServer({}, { now });
  ({ room, apiKey } = await createStreamRoom(server.url, await server.identity('discord:limits-owner'), { name: 'Limits' }));
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('ingress: 20 messages / 10 s per user id', () => {
  it('the 20th message from one user id is 202, the 21st is 429 with Retry-After; another user id is unaffected', async () => {
    const t = freezeOnSecond();
    for (let i = 1; i <= 20; i++) {
      const reply = await ingress(chat(`m${i}`, 'alice'));
      expect({ status: reply.status, text: reply.text }).toEqual({ status: 202, text: 'queued' });
      expect(reply.headers['x-ratelimit-remaining']).toBe(String(20 - i));
      expect(reply.headers['x-ratelimit-reset']).toBe(String((t + 10_000) / 1000));
      expect(reply.headers['retry-after']).toBeUndefined();
    }
    const before = await head();
    expectLimited(await ingress(chat('m21', 'alice')), t + 10_000, 10);
    expect(await head()).toBe(before);
    const bob = await ingress(chat('hi', 'bob'));
    expect({ status: bob.status, text: bob.text, remaining: bob.headers['x-ratelimit-remaining'] }).toEqual({ status: 202, text: 'queued', remaining: '19' });
    // The same id on another platform is another sender.
    expect((await ingress(JSON.stringify({ type: 'chat', payload: { text: 'yo', userId: 'alice', source: 'youtube' } }))).status).toBe(202);
  });

  it('the window slides: it reopens exactly 10 s after the oldest counted message, one message at a time', async () => {
    const t = freezeOnSecond();
    for (let i = 0; i < 10; i++) expect((await ingress(chat(`early${i}`, 'carol'))).status).toBe(202);
    freeze(t + 4_000);
    for (let i = 0; i < 10; i++) expect((await ingress(chat(`late${i}`, 'carol'))).status).toBe(202);
    expectLimited(await ingress(chat('too soon', 'carol')), t + 10_000, 6);
    freeze(t + 9_999);
    expectLimited(await ingress(chat('1 ms too soon', 'carol')), t + 10_000, 1);
    freeze(t + 10_000);
    // The 10 early messages left the window together: 10 more fit, the 11th does not.
    for (let i = 0; i < 10; i++) {
      const reply = await ingress(chat(`again${i}`, 'carol'));
      expect(reply.status).toBe(202);
      expect(reply.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    expectLimited(await ingress(chat('full again', 'carol')), t + 14_000, 4);
    freeze(t + 14_000);
    expect((await ingress(chat('late ones left', 'carol'))).status).toBe(202);
  });

  it('refused messages do not count: hammering does not push the reopening back', async () => {
    const t = freezeOnSecond();
    for (let i = 0; i < 20; i++) expect((await ingress(chat(`d${i}`, 'dave'))).status).toBe(202);
    for (let ms = 1_000; ms < 10_000; ms += 3_000) {
      freeze(t + ms);
      expect((await ingress(chat('hammer', 'dave'))).status).toBe(429);
    }
    freeze(t + 10_000);
    expect((await ingress(chat('back', 'dave'))).status).toBe(202);
  });
});

describe('ingress: 60 messages / 10 s per source IP', () => {
  it('the 61st request from one IP is 429 whatever the sender; a second IP is unaffected; the window reopens after exactly 10 s', async () => {
    const t = freezeOnSecond();
    // Anonymous webhook messages (no userId) count only against the IP.
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => ingress(chat(`ip${i}`))));
    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(202));
    expect(replies.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const before = await head();
    expectLimited(await ingress(chat('61st')), t + 10_000, 10);
    // A user id of its own does not get around the IP limit, nor does a bad request or an unknown room.
    expectLimited(await ingress(chat('61st again', 'erin')), t + 10_000, 10);
    expectLimited(await ingress('not json'), t + 10_000, 10);
    expect(await head()).toBe(before);

    const other = await ingress(chat('from 127.0.0.2'), { from: '127.0.0.2' });
    expect({ status: other.status, text: other.text, remaining: other.headers['x-ratelimit-remaining'] }).toEqual({ status: 202, text: 'queued', remaining: '59' });

    freeze(t + 9_999);
    expectLimited(await ingress(chat('still closed')), t + 10_000, 1);
    freeze(t + 10_000);
    const reopened = await ingress(chat('reopened'));
    expect({ status: reopened.status, remaining: reopened.headers['x-ratelimit-remaining'] }).toEqual({ status: 202, remaining: '59' });
  });

  it('rejections count against the IP too (a key-guessing client is limited)', async () => {
    const t = freezeOnSecond();
    for (let i = 0; i < 60; i++) {
      const reply = await ingress(chat('guess'), { from: '127.0.0.3', headers: { authorization: `Bearer sk_live_guess${i}` } });
      expect(reply.status).toBe(401);
    }
    expectLimited(await ingress(chat('the right key, too late'), { from: '127.0.0.3' }), t + 10_000, 10);
  });
});

describe('ingress: 64 KB per message', () => {
  /** A valid ingress body of exactly `size` bytes. */
  const bodyOf = (size: number) => {
    const empty = chat('');
    const text = 'é'.repeat(Math.floor((size - empty.length) / 2)) + 'x'.repeat((size - empty.length) % 2);
    const body = Buffer.from(chat(text));
    expect(body.length).toBe(size);
    return body;
  };

  it('65,536 bytes is accepted, 65,537 is 413 Payload Too Large', async () => {
    expect(await ingress(bodyOf(65_536))).toMatchObject({ status: 202, text: 'queued' });
    const before = await head();
    const tooBig = await ingress(bodyOf(65_537));
    expect({ status: tooBig.status, text: tooBig.text }).toEqual({ status: 413, text: 'Payload Too Large' });
    expect(tooBig.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(await head()).toBe(before);
  });

  it('a body sent without Content-Length (chunked) is cut off at 64 KB too', async () => {
    const url = new URL(`${server.url}/rooms/${room}/ingress`);
    const reply = await new Promise<HttpReply>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      // The server answers and closes while we may still be writing: a write error is expected, the answer is what counts.
      req.on('error', (error) => setTimeout(() => reject(error), 2_000));
      req.write(bodyOf(40_000));
      req.end(bodyOf(40_000));
    });
    expect({ status: reply.status, text: reply.text }).toEqual({ status: 413, text: 'Payload Too Large' });
  });

  it('413 is answered from the declared length, before the body is sent', async () => {
    const url = new URL(server.url);
    const socket = net.connect(Number(url.port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (c) => (answer += c.toString()));
    // Declares 10 MB and sends none of it: the answer must come anyway.
    socket.write(`POST /rooms/${room}/ingress HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n`);
    const end = Date.now() + 15_000;
    while (!answer.includes('Payload Too Large') && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.endsWith('Payload Too Large')).toBe(true);
  });
});

describe('ingress: the source label in /metrics', () => {
  it('counts the first 32 distinct sources by name and every later one as "other"', async () => {
    for (let i = 0; i < 40; i++) {
      const reply = await ingress(JSON.stringify({ type: 'chat', payload: { text: 'hi', userId: 'u', source: `made-up-${i}` } }));
      expect(reply.status).toBe(202);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const lines = metrics.split('\n').filter((l) => l.startsWith('parley_ingress_messages_total{'));
    const named = lines.filter((l) => l.includes('source="made-up-'));
    const other = lines.find((l) => l.includes('source="other"'));
    expect(named.length).toBeLessThanOrEqual(32);
    expect(lines.length).toBeLessThanOrEqual(33);
    expect(other).toBeDefined();
    expect(Number(other!.split(' ').pop())).toBeGreaterThanOrEqual(40 - 32);
  });
});
