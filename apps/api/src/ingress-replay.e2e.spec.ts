import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIngress } from './application/ingress.js';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { jsonCall } from './testing/json-call.js';
import { eventually } from './testing/eventually.js';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';

/*
 * Signed, timestamped ingress requests are used once. What counts as "used": a request refused
 * for a reason its sender may retry past (a rate limit) is not, so the same signed request sent
 * again after Retry-After is accepted; a request the store took is, on any api node: a second
 * ingress over the same store (what another api node of the cluster is) refuses the replay too,
 * though it never saw the signature, and nothing is appended twice. And a sender's messages
 * accepted by another node count against the per-user limit here, once the log brings them.
 */

let server: TestServer;
let room: string;
let secret: string;
let apiKey: string;

const { now, freeze, freezeOnSecond, pastRateWindows } = testClock();

const sign = (data: string) => `sha256=${createHmac('sha256', secret).update(data).digest('hex')}`;
/** Events in the room's stream (global positions may skip a number where a duplicate was refused). */
const head = async () => (await server.parley.ctx.store.readStream(`room-${room}`)).length;

/** A signed request with X-Chat-Timestamp (seconds), as a webhook sender makes it. */
function signedRequest(text: string, userId = 'sender') {
  const body = JSON.stringify({ type: 'chat', payload: { text, userId, source: 'twitch' } });
  const timestamp = String(Math.floor(now() / 1000));
  return { body, headers: { 'content-type': 'application/json', 'x-chat-timestamp': timestamp, 'x-chat-signature': sign(`${timestamp}.${body}`) } };
}

async function post(request: ReturnType<typeof signedRequest>) {
  const res = await fetch(`${server.url}/rooms/${room}/ingress`, { method: 'POST', headers: request.headers, body: request.body });
  return { status: res.status, text: await res.text(), detail: res.headers.get('x-error-detail') };
}

beforeAll(async () => {
  server = await startTestServer({}, { now });
  const owner = await server.identity('discord:replay-owner');
  const created = (await jsonCall(server.url, 'POST', '/rooms', owner, { name: 'Replays' })).body;
  room = created.room;
  apiKey = created.api_key;
  secret = (await jsonCall(server.url, 'GET', `/rooms/${room}/webhook-secret`, owner)).body.webhook_secret;
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('ingress: a signed request refused with 429 can be sent again', () => {
  it('is 429 while its sender is over the limit, then 202 once the window reopens, then a replay', async () => {
    const t = freezeOnSecond();
    for (let i = 0; i < 20; i++) expect((await post(signedRequest(`fill ${i}`, 'busy'))).status).toBe(202);
    const retried = signedRequest('the 21st', 'busy');
    expect(await post(retried)).toMatchObject({ status: 429, text: 'Too Many Requests' });
    // Retried too early: still the limit, not "Replayed signature".
    expect(await post(retried)).toMatchObject({ status: 429, text: 'Too Many Requests' });
    freeze(t + 10_000);
    const before = await head();
    expect(await post(retried)).toMatchObject({ status: 202, text: 'queued' });
    expect(await head()).toBe(before + 1);
    expect(await post(retried)).toMatchObject({ status: 401, detail: 'Replayed signature' });
    expect(await head()).toBe(before + 1);
  });
});

describe('ingress: a replay sent to another api node', () => {
  it('is refused there too and appends nothing, though that node never saw the signature', async () => {
    const request = signedRequest('sent once');
    expect(await post(request)).toMatchObject({ status: 202, text: 'queued' });
    const before = await head();
    const otherNode = createIngress(server.parley.ctx);
    const replay = {
      roomId: room,
      signature: request.headers['x-chat-signature'],
      timestamp: request.headers['x-chat-timestamp'],
      rawBody: Buffer.from(request.body),
      ip: '127.0.0.1',
    };
    expect(await otherNode.handle(replay)).toMatchObject({ outcome: 'unauthorized', message: 'Replayed signature' });
    const batchReplay = { ...replay, rawBody: Buffer.from(JSON.stringify({ messages: [JSON.parse(request.body)] })) };
    const batchRequest = { ...batchReplay, signature: sign(`${replay.timestamp}.${batchReplay.rawBody.toString()}`) };
    expect(await createIngress(server.parley.ctx).handleBatch(batchRequest)).toMatchObject({ outcome: 'accepted', results: ['queued'] });
    expect(await createIngress(server.parley.ctx).handleBatch(batchRequest)).toMatchObject({ outcome: 'unauthorized', message: 'Replayed signature' });
    expect(await head()).toBe(before + 1);
    // A request with an API key may be sent twice on purpose: it is not a replay.
    const keyed = await otherNode.handle({ roomId: room, authorization: `Bearer ${apiKey}`, rawBody: Buffer.from(request.body), ip: '127.0.0.1' });
    expect(keyed).toMatchObject({ outcome: 'queued' });
    expect(await head()).toBe(before + 2);
  });
});

describe('ingress: the per-user limit across api nodes', () => {
  it('15 messages a sender got through another node leave it 5 here; the 6th is 429', async () => {
    const t = freezeOnSecond();
    const token = (await jsonCall(server.url, 'POST', `/rooms/${room}/tokens`, apiKey, { user_id: 'guest:limits-watcher', display_name: 'Watcher' })).body.token as string;
    const viewer = await openChatSocket(chatSocketUrl(server.url, { room, token }));
    const otherNode = createIngress(server.parley.ctx);
    const chat = (text: string) => Buffer.from(JSON.stringify({ type: 'chat', payload: { text, userId: 'roaming', source: 'twitch' } }));
    for (let i = 0; i < 15; i++) {
      expect(await otherNode.handle({ roomId: room, authorization: `Bearer ${apiKey}`, rawBody: chat(`elsewhere ${i}`), ip: '10.0.0.1' })).toMatchObject({ outcome: 'queued' });
    }
    await viewer.waitFor((frames) => frames.filter((f) => f.t === 'msg').length === 15, 'the 15 messages from the other node');
    // This node has counted them once its feed brought them, the feed that also fills its read
    // models: the history shows them then. (On the cluster profile the viewer's frames come from
    // the bus, which can be ahead of the store's log that the api node reads every 20 ms.)
    const elsewhere = async () => {
      const page = await jsonCall(server.url, 'GET', `/rooms/${room}/messages?limit=200`, apiKey);
      return (page.body.messages as Array<{ payload: { text: string } | null }>).filter((m) => m.payload?.text.startsWith('elsewhere')).length;
    };
    expect(await eventually(elsewhere, (n) => n === 15)).toBe(15);
    const here = (text: string) => fetch(`${server.url}/rooms/${room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: chat(text) });
    for (let i = 0; i < 5; i++) {
      const reply = await here(`here ${i}`);
      expect({ status: reply.status, remaining: reply.headers.get('x-ratelimit-remaining') }).toEqual({ status: 202, remaining: String(4 - i) });
    }
    const refused = await here('one too many');
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({ status: 429, retryAfter: '10' });
    // Another sender is untouched, and the window reopens for this one 10 s after its first message.
    const other = await fetch(`${server.url}/rooms/${room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'chat', payload: { text: 'hi', userId: 'settled', source: 'twitch' } }) });
    expect(other.status).toBe(202);
    freeze(t + 10_000);
    expect((await here('later')).status).toBe(202);
    await viewer.close();
  });
});
