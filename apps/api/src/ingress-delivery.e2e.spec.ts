import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { jsonCall } from './testing/json-call.js';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { postToIngress } from './testing/ingress.js';
import { createStreamRoom, mintRoomToken } from './testing/stream-room.js';
import { metricValue } from './faults/bench-stats.js';

/*
 * Ingress to a WebSocket viewer, end to end over real HTTP and a real `ws` client: `meta` arrives
 * unchanged, Idempotency-Key retries return the first answer and deliver one frame, the room's
 * word filter answers `filtered` and appends nothing, and the reference's short form is accepted.
 */

let server: TestServer;
let owner: string;

const { now, pastRateWindows } = testClock();

const watch = (room: string, token: string) => openChatSocket(chatSocketUrl(server.url, { room, token }), { waitMs: 15_000 });
const rest = (method: string, path: string, token: string, body?: unknown) => jsonCall(server.url, method, path, token, body);
const ingress = (room: string, body: string, headers: Record<string, string>) => postToIngress(server.url, room, body, headers);
const head = () => server.parley.ctx.store.headPosition();

/** A room with a viewer token (minted with the API key). */
async function setUp(name: string) {
  const { room, apiKey } = await createStreamRoom(server.url, owner, { name });
  const token = await mintRoomToken(server.url, { room, apiKey }, 'guest:watcher', { displayName: 'Watcher' });
  const post = (payload: unknown, headers: Record<string, string> = {}) => ingress(room, JSON.stringify(payload), { authorization: `Bearer ${apiKey}`, ...headers });
  return { room, apiKey, token, post };
}

beforeAll(async () => {
  server = await startTestServer({}, { now });
  owner = await server.identity('discord:delivery-owner');
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('ingress → WebSocket: meta passes through unchanged', () => {
  it('deep, odd JSON arrives as sent (unicode, nulls, nested arrays, big and tiny numbers, odd keys)', async () => {
    const { room, token, apiKey } = await setUp('Meta');
    const viewer = await watch(room, token);
    // Written as text so that what is compared is what went over the wire.
    const metaText =
      '{"unicode":"h\\u00e9llo 🌍 \\u2028 \\ud83d\\ude00 ｆｕｌｌ","empty":"","nulls":[null,{"n":null}],"nested":[[1,[2,[3,[4,[]]]]],{}],' +
      '"big":1e308,"negative":-1.5e-300,"precise":9007199254740993,"int":-0,"bool":[true,false],' +
      '"":"empty key","__proto__":{"polluted":true},"constructor":{"prototype":null},"key with spaces & \\"quotes\\"":"\\\\\\n\\t",' +
      '"deep":{"a":{"b":{"c":{"d":{"e":{"f":{"g":[{"h":"bottom"}]}}}}}}}}';
    const body = `{"type":"chat","payload":{"text":"with meta","userId":"m1","source":"discord"},"meta":${metaText}}`;
    expect(await ingress(room, body, { authorization: `Bearer ${apiKey}` })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').length === 1, 'the message');
    const frame = viewer.of('msg')[0]!;
    // Same value, same key order, same own "__proto__" key: the re-serialisations are identical.
    expect(JSON.stringify(frame.meta)).toBe(JSON.stringify(JSON.parse(metaText)));
    expect(Object.getOwnPropertyNames(frame.meta)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(frame).toMatchObject({ t: 'msg', room, kind: 'chat', sender: 'discord:m1', payload: { text: 'with meta', userId: 'm1', source: 'discord', displayName: 'webhook' } });
    expect(frame.ts).toBe(Math.round(frame.ts));
    await viewer.close();
  });

  it('meta of any JSON type is passed through; without meta the frame has none', async () => {
    const { room, token, post } = await setUp('Meta kinds');
    const viewer = await watch(room, token);
    const metas: unknown[] = [null, 'a string', 0, -12.5, false, [], [1, 'two', [null]], {}];
    for (const [i, meta] of metas.entries()) expect(await post({ type: 'chat', payload: { text: `m${i}` }, meta })).toEqual({ status: 202, text: 'queued' });
    expect(await post({ type: 'chat', payload: { text: 'no meta' } })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').length === metas.length + 1, 'all messages');
    const msgs = viewer.of('msg');
    expect(msgs.slice(0, metas.length).map((m) => m.meta)).toEqual(metas);
    expect(msgs.slice(0, metas.length).every((m) => 'meta' in m)).toBe(true);
    expect('meta' in msgs.at(-1)!).toBe(false);
    expect(viewer.raw.at(-1)).not.toContain('"meta"');
    await viewer.close();
  });
});

describe('ingress: Idempotency-Key', () => {
  it('a retry returns the first answer, appends nothing and delivers one frame', async () => {
    const { room, token, post } = await setUp('Idempotent');
    const viewer = await watch(room, token);
    const payload = { type: 'chat', payload: { text: 'exactly once', userId: 'u1' } };
    expect(await post(payload, { 'idempotency-key': 'delivery-1' })).toEqual({ status: 202, text: 'queued' });
    const after = await head();
    for (let i = 0; i < 3; i++) expect(await post(payload, { 'idempotency-key': 'delivery-1' })).toEqual({ status: 202, text: 'queued' });
    // Concurrent retries too.
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(payload, { 'idempotency-key': 'delivery-1' })));
    expect(concurrent).toEqual(Array(5).fill({ status: 202, text: 'queued' }));
    expect(await head()).toBe(after);
    // A sentinel after the retries: once it is in, every frame the retries could have caused is in too.
    expect(await post({ type: 'chat', payload: { text: 'sentinel' } })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').some((m) => m.payload.text === 'sentinel'), 'the sentinel');
    expect(viewer.of('msg').map((m) => m.payload.text)).toEqual(['exactly once', 'sentinel']);
    await viewer.close();
  });

  it('two first requests with the same key in flight at once append once', async () => {
    const { room, token, post } = await setUp('Racing');
    const viewer = await watch(room, token);
    const before = await head();
    const payload = { type: 'chat', payload: { text: 'raced' } };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(payload, { 'idempotency-key': 'race' })));
    expect(answers).toEqual(Array(8).fill({ status: 202, text: 'queued' }));
    expect(await head()).toBe(before + 1);
    expect(await post({ type: 'chat', payload: { text: 'sentinel' } })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').some((m) => m.payload.text === 'sentinel'), 'the sentinel');
    expect(viewer.of('msg').map((m) => m.payload.text)).toEqual(['raced', 'sentinel']);
    await viewer.close();
  });

  it('keys are per room, and another key is another message', async () => {
    const a = await setUp('Keys A');
    const b = await setUp('Keys B');
    const before = await head();
    const payload = { type: 'chat', payload: { text: 'same key, two rooms' } };
    expect(await a.post(payload, { 'idempotency-key': 'shared' })).toEqual({ status: 202, text: 'queued' });
    expect(await b.post(payload, { 'idempotency-key': 'shared' })).toEqual({ status: 202, text: 'queued' });
    expect(await a.post(payload, { 'idempotency-key': 'other' })).toEqual({ status: 202, text: 'queued' });
    expect(await head()).toBe(before + 3);
  });

  it('a filtered first answer stays the answer: the retry is not delivered even after the filter is lifted', async () => {
    const { room, token, post } = await setUp('Filtered first');
    const viewer = await watch(room, token);
    expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'mute', target: 'twitch:loud' })).status).toBe(200);
    const payload = { type: 'chat', payload: { text: 'first try', userId: 'loud', source: 'twitch' } };
    expect(await post(payload, { 'idempotency-key': 'muted-1' })).toEqual({ status: 202, text: 'filtered' });
    expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'unmute', target: 'twitch:loud' })).status).toBe(200);
    const before = await head();
    expect(await post(payload, { 'idempotency-key': 'muted-1' })).toEqual({ status: 202, text: 'filtered' });
    expect(await head()).toBe(before);
    expect(await post(payload, { 'idempotency-key': 'muted-2' })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').length === 1, 'the unmuted message');
    await viewer.close();
  });

  it('a signed, timestamped request retried with its Idempotency-Key gets the first answer instead of a replay refusal', async () => {
    const { room, token } = await setUp('Signed retry');
    const secret = (await rest('GET', `/rooms/${room}/webhook-secret`, owner)).body.webhook_secret as string;
    const viewer = await watch(room, token);
    const body = JSON.stringify({ type: 'chat', payload: { text: 'signed once' } });
    const ts = String(Math.floor(now() / 1000));
    const signature = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
    const headers = { 'x-chat-timestamp': ts, 'x-chat-signature': signature };
    expect(await ingress(room, body, { ...headers, 'idempotency-key': 'signed-1' })).toEqual({ status: 202, text: 'queued' });
    const before = await head();
    expect(await ingress(room, body, { ...headers, 'idempotency-key': 'signed-1' })).toEqual({ status: 202, text: 'queued' });
    // Without the key (or with another) it is a replay.
    expect(await ingress(room, body, headers)).toEqual({ status: 401, text: 'Unauthorized' });
    expect(await ingress(room, body, { ...headers, 'idempotency-key': 'signed-2' })).toEqual({ status: 401, text: 'Unauthorized' });
    expect(await head()).toBe(before);
    await viewer.waitFor(() => viewer.of('msg').length === 1, 'one message');
    await viewer.close();
  });
});

describe('ingress: the room word filter', () => {
  it('with filter_enabled and filter_words, a blocked message is 202 filtered, appends nothing and reaches nobody', async () => {
    const { room, token, post } = await setUp('Clean');
    const viewer = await watch(room, token);
    // Off by default: the room's words pass.
    expect(await post({ type: 'chat', payload: { text: 'pineapple on pizza' } })).toEqual({ status: 202, text: 'queued' });
    const updated = await rest('PUT', `/rooms/${room}`, owner, { filter_enabled: true, filter_words: ['pineapple', 'grapefruit'] });
    expect(updated.status).toBe(200);
    expect(updated.body.filter_enabled).toBe(true);
    const before = await head();
    for (const text of ['pineapple on pizza', 'PINEAPPLE!', 'p1n3@pple', 'g.r.a.p.e.f.r.u.i.t', 'p.i.n.e.a.p.p.l.e', 'G_R_4_P_3_F_R_U_1_T', 'p i n e a p p l e', 'pineapples', 'piiineaaapple', 'what the fuck']) {
      expect(await post({ type: 'chat', payload: { text, userId: 'fan' } }), text).toEqual({ status: 202, text: 'filtered' });
    }
    // The short form goes through the same filter.
    expect(await post({ type: 'chat', user: { id: 'fan' }, content: 'Pineapple' })).toEqual({ status: 202, text: 'filtered' });
    expect(await head()).toBe(before);
    expect(await post({ type: 'chat', payload: { text: 'apples and pines', userId: 'fan' } })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').length === 2, 'the clean messages');
    expect(viewer.of('msg').map((m) => m.payload.text)).toEqual(['pineapple on pizza', 'apples and pines']);
    await viewer.close();
  });

  it('checks every field viewers read as text, not only the text: a bad name, title or reply is filtered too', async () => {
    const { room, post } = await setUp('Clean names');
    expect((await rest('PUT', `/rooms/${room}`, owner, { filter_enabled: true, filter_words: ['pineapple'] })).status).toBe(200);
    const before = await head();
    for (const field of ['displayName', 'title', 'subtitle', 'membership', 'event', 'donation', 'replyTo', 'replyText', 'sourceName']) {
      expect(await post({ type: 'chat', payload: { text: 'hello', [field]: 'Pineapple fan' } }), field).toEqual({ status: 202, text: 'filtered' });
    }
    expect(await head()).toBe(before);
    // Fields nobody reads as text (ids, URLs, colours) are not checked.
    expect(await post({ type: 'chat', payload: { text: 'hello', userId: 'pineapple', avatar: 'https://example.com/pineapple.png', nameColor: 'pineapple' } })).toEqual({ status: 202, text: 'queued' });
  });
});

describe('ingress: the short form of the stream-rooms reference', () => {
  it('{type, user: {id, name, avatar}, content} is accepted and delivered as text, displayName, userId, avatar', async () => {
    const { room, token, post } = await setUp('Short form');
    const viewer = await watch(room, token);
    const short = { type: 'chat', user: { id: 'bot:donations', name: 'DonationBot', avatar: 'https://example.com/bot.png' }, content: 'Thank you for the $5 donation!' };
    expect(await post(short)).toEqual({ status: 202, text: 'queued' });
    expect(await post({ type: 'chat', content: 'no user' })).toEqual({ status: 202, text: 'queued' });
    // The short form is validated like the long one.
    expect(await post({ type: 'chat', user: { id: 'x' } })).toEqual({ status: 400, text: 'Bad Request' });
    expect(await post({ type: 'chat', user: { id: 'x', name: 5 }, content: 'hi' })).toEqual({ status: 400, text: 'Bad Request' });
    await viewer.waitFor(() => viewer.of('msg').length === 2, 'both messages');
    const [first, second] = viewer.of('msg');
    expect(first).toMatchObject({
      kind: 'chat',
      sender: 'webhook:bot:donations',
      payload: { text: 'Thank you for the $5 donation!', displayName: 'DonationBot', userId: 'bot:donations', avatar: 'https://example.com/bot.png' },
    });
    expect(second).toMatchObject({ sender: null, payload: { text: 'no user', displayName: 'webhook' } });
    await viewer.close();
  });
});

describe('ingress → WebSocket: event ages in /metrics', () => {
  const countOf = async (histogram: string) => {
    const count = metricValue(await (await fetch(`${server.url}/metrics`)).text(), `${histogram}_count `);
    expect(count, `${histogram} in /metrics`).not.toBeNull();
    return count!;
  };

  it('the relay and the node that sends the frame each report the age of the event', async () => {
    const { room, token, post } = await setUp('Ages');
    const viewer = await watch(room, token);
    await post({ type: 'chat', payload: { text: 'warm' } });
    await viewer.waitFor(() => viewer.of('msg').length === 1, 'the first message');
    const relayed = await countOf('parley_relay_event_age_seconds');
    const published = await countOf('parley_realtime_event_age_seconds');
    expect(await post({ type: 'chat', payload: { text: 'aged' } })).toEqual({ status: 202, text: 'queued' });
    await viewer.waitFor(() => viewer.of('msg').length === 2, 'the second message');
    // On Kafka the frame can reach the viewer before the broker's acknowledgement reaches the relay.
    let relayedNow = await countOf('parley_relay_event_age_seconds');
    for (const end = Date.now() + 5000; relayedNow === relayed && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 10));
      relayedNow = await countOf('parley_relay_event_age_seconds');
    }
    expect(relayedNow).toBe(relayed + 1);
    expect(await countOf('parley_realtime_event_age_seconds')).toBe(published + 1);
    await viewer.close();
  });
});
