import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { jsonCall } from './testing/json-call.js';
import { testClock } from './testing/test-clock.js';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { createStreamRoom, mintRoomToken } from './testing/stream-room.js';

/*
 * Batch ingress (`POST /rooms/:room/ingress/batch`, a Parley extension) over real HTTP and a
 * real WebSocket viewer: one durable append per batch, each message checked like a single one
 * (filter, both rate limits, 64 KB), malformed input refuses the whole batch and appends nothing,
 * and Idempotency-Key retries append nothing.
 */

let server: TestServer;
let owner: string;
const { now, pastRateWindows } = testClock();

const rest = async (method: string, path: string, token: string, body?: unknown) => jsonCall(server.url, method, path, token, body);
const head = () => server.parley.ctx.store.headPosition();
const chat = (text: string, userId: string, source = 'twitch') => ({ type: 'chat', payload: { text, userId, source } });

async function batch(room: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/rooms/${room}/ingress/batch`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, json: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined, headers: res.headers };
}

async function setUp(name: string, settings: Record<string, unknown> = {}) {
  const { room, apiKey } = await createStreamRoom(server.url, owner, { name });
  if (Object.keys(settings).length > 0) expect((await rest('PUT', `/rooms/${room}`, owner, settings)).status).toBe(200);
  const send = (body: unknown, headers: Record<string, string> = {}) =>
    batch(room, typeof body === 'string' ? body : JSON.stringify(body), { authorization: `Bearer ${apiKey}`, ...headers });
  return { room, apiKey, send };
}

beforeAll(async () => {
  server = await startTestServer({}, { now });
  owner = await server.identity('discord:batch-owner');
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('batch ingress: delivery', () => {
  it('appends every message in one write and a viewer gets them in order with consecutive sequence numbers', async () => {
    const { room, apiKey, send } = await setUp('Batch delivery');
    const token = await mintRoomToken(server.url, { room, apiKey }, 'guest:watcher', { displayName: 'Watcher' });
    const viewer = await openChatSocket(chatSocketUrl(server.url, { room, token }), { waitMs: 10_000 });
    const before = await head();
    const messages = Array.from({ length: 10 }, (_, i) => ({ ...chat(`m${i}`, `u${i}`), meta: { i, nested: { ok: true } } }));
    const answer = await send({ messages });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ results: Array(10).fill('queued') });
    expect(await head()).toBe(before + 10);
    await viewer.waitFor(() => viewer.of('msg').length === 10, '10 frames');
    const msgs = viewer.of('msg');
    expect(msgs.map((m) => (m.payload as { text: string }).text)).toEqual(messages.map((m) => m.payload.text));
    expect(msgs.map((m) => m.meta)).toEqual(messages.map((m) => m.meta));
    for (let i = 1; i < msgs.length; i++) expect(msgs[i]!.seq).toBe(msgs[i - 1]!.seq + 1);
    await viewer.close();
  });

  it('accepts the short form too, and answers each message: the word filter blocks one, the rest are queued', async () => {
    const { send } = await setUp('Batch filter', { filter_enabled: true, filter_words: ['pineapple'] });
    const before = await head();
    const answer = await send({ messages: [chat('hello', 'a'), chat('I like P1neapple', 'b'), { type: 'chat', user: { id: 'c', name: 'C' }, content: 'short form' }] });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ results: ['queued', 'filtered', 'queued'] });
    expect(await head()).toBe(before + 2);
  });

  it('a batch of only filtered messages appends nothing', async () => {
    const { send } = await setUp('Batch all filtered', { filter_enabled: true, filter_words: ['pineapple'] });
    const before = await head();
    expect((await send({ messages: [chat('pineapple', 'a')] })).json).toEqual({ results: ['filtered'] });
    expect(await head()).toBe(before);
  });
});

describe('batch ingress: limits count every message', () => {
  it('a user id over 20 messages / 10 s gets rate_limited for the excess, others go on', async () => {
    const { send } = await setUp('Batch per user');
    const messages = [...Array.from({ length: 25 }, (_, i) => chat(`a${i}`, 'alice')), chat('hi', 'bob')];
    const answer = await send({ messages });
    expect(answer.status).toBe(202);
    expect(answer.json.results).toEqual([...Array(20).fill('queued'), ...Array(5).fill('rate_limited'), 'queued']);
  });

  it('the source IP counts every message (60 / 10 s): the 61st is rate_limited and the next request is 429', async () => {
    const { send } = await setUp('Batch per IP');
    const before = await head();
    const answer = await send({ messages: Array.from({ length: 70 }, (_, i) => chat(`m${i}`, `user-${i}`)) });
    expect(answer.json.results).toEqual([...Array(60).fill('queued'), ...Array(10).fill('rate_limited')]);
    expect(await head()).toBe(before + 60);
    const next = await send({ messages: [chat('again', 'someone')] });
    expect({ status: next.status, text: next.text }).toEqual({ status: 429, text: 'Too Many Requests' });
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('batch ingress: bad input refuses the whole batch and appends nothing', () => {
  it('invalid JSON, no messages, over 100 messages, one malformed message, one over 64 KB → 400', async () => {
    const { send } = await setUp('Batch bad input');
    const before = await head();
    const cases: unknown[] = [
      '{"messages": [',
      {},
      { messages: [] },
      { messages: Array.from({ length: 101 }, (_, i) => chat(`m${i}`, `u${i}`)) },
      { messages: [chat('fine', 'a'), { type: 'chat', payload: { userId: 'b' } }] },
      { messages: [chat('fine', 'a'), chat('x'.repeat(64 * 1024), 'b')] },
      [chat('an array is not a batch', 'a')],
    ];
    for (const body of cases) {
      const answer = await send(body);
      expect({ status: answer.status, text: answer.text }).toEqual({ status: 400, text: 'Bad Request' });
    }
    const malformed = await send({ messages: [chat('fine', 'a'), { type: 'chat', payload: { userId: 'b' } }] });
    expect(malformed.headers.get('x-error-detail')).toContain('messages.1.payload.text');
    expect(await head()).toBe(before);
  });

  it('a body over 1 MB is 413, answered from the declared length', async () => {
    const { send } = await setUp('Batch too large');
    const answer = await send(JSON.stringify({ messages: [chat('y'.repeat(1024 * 1024), 'a')] }));
    expect({ status: answer.status, text: answer.text }).toEqual({ status: 413, text: 'Payload Too Large' });
  });

  it('401 without a valid key or signature, 404 for an unknown room', async () => {
    const { room, send } = await setUp('Batch auth');
    expect((await batch(room, JSON.stringify({ messages: [chat('x', 'a')] }), {})).status).toBe(401);
    expect((await send({ messages: [chat('x', 'a')] }, { authorization: 'Bearer sk_live_wrong' })).status).toBe(401);
    expect((await batch('no-such-room', JSON.stringify({ messages: [chat('x', 'a')] }), { authorization: 'Bearer sk_live_wrong' })).status).toBe(404);
  });
});

describe('batch ingress: signatures and retries', () => {
  it('an HMAC signature of the whole raw body authenticates the batch', async () => {
    const { room } = await setUp('Batch HMAC');
    const secret = (await rest('GET', `/rooms/${room}/webhook-secret`, owner)).body.webhook_secret as string;
    const body = JSON.stringify({ messages: [chat('signed 1', 'a'), chat('signed 2', 'b')] });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const answer = await batch(room, body, { 'x-chat-signature': signature });
    expect({ status: answer.status, json: answer.json }).toEqual({ status: 202, json: { results: ['queued', 'queued'] } });
    const tampered = await batch(room, body.replace('signed 1', 'signed X'), { 'x-chat-signature': signature });
    expect(tampered.status).toBe(401);
  });

  it('Idempotency-Key: the retry returns the first answer and appends nothing', async () => {
    const { send } = await setUp('Batch retry', { filter_enabled: true, filter_words: ['pineapple'] });
    const before = await head();
    const body = { messages: [chat('one', 'a'), chat('pineapple', 'b'), chat('three', 'c')] };
    const first = await send(body, { 'idempotency-key': 'batch-1' });
    expect(first.json).toEqual({ results: ['queued', 'filtered', 'queued'] });
    expect(await head()).toBe(before + 2);
    const retry = await send(body, { 'idempotency-key': 'batch-1' });
    expect({ status: retry.status, json: retry.json }).toEqual({ status: 202, json: first.json });
    expect(await head()).toBe(before + 2);
  });
});
