import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { jsonCall } from './testing/json-call.js';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { httpRequest, type HttpReply } from './testing/http-request.js';
import { createStreamRoom, mintRoomToken } from './testing/stream-room.js';

/*
 * Webhook ingress authentication over real HTTP: API key, HMAC (with and without X-Chat-Timestamp),
 * the replay window, rooms that require timestamps, secret rotation with a grace period, and every
 * status the reference documents with its exact plain-text body. The server runs on an injected
 * clock so windows can be crossed exactly; each test starts 11 s later so rate windows are fresh.
 */

let server: TestServer;
let owner: string;
let room: string;
let apiKey: string;
let secret: string;

const { now, freeze, freezeOnSecond, pastRateWindows } = testClock();

const rest = (method: string, path: string, token: string, body?: unknown) => jsonCall(server.url, method, path, token, body);

const sign = (key: string, data: string) => `sha256=${createHmac('sha256', key).update(data).digest('hex')}`;
const message = (text: string) => JSON.stringify({ type: 'chat', payload: { text } });
const ingress = (body: string, headers: Record<string, string>, roomId = room) => httpRequest(`${server.url}/rooms/${roomId}/ingress`, body, { headers });
const head = () => server.parley.ctx.store.headPosition();

/** A viewer of the room on a room token minted with the API key. */
async function watch() {
  const token = await mintRoomToken(server.url, { room, apiKey }, 'guest:watcher', { displayName: 'Watcher' });
  return openChatSocket(chatSocketUrl(server.url, { room, token }));
}

function expectText(reply: HttpReply, status: number, text: string) {
  expect({ status: reply.status, text: reply.text }).toEqual({ status, text });
  expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
}

beforeAll(async () => {
  server = await startTestServer({}, { now });
  owner = await server.identity('discord:hmac-owner');
  ({ room, apiKey } = await createStreamRoom(server.url, owner, { name: 'Signed' }));
  secret = (await rest('GET', `/rooms/${room}/webhook-secret`, owner)).body.webhook_secret;
  expect(secret).toMatch(/^whsec_/);
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('ingress: API key', () => {
  it('a valid key is 202 queued; a wrong, malformed or missing key is 401 Unauthorized and appends nothing', async () => {
    expectText(await ingress(message('hello'), { authorization: `Bearer ${apiKey}` }), 202, 'queued');
    const before = await head();
    for (const authorization of [`Bearer ${apiKey}x`, 'Bearer sk_live_nope', `Basic ${apiKey}`, 'Bearer', apiKey]) {
      expectText(await ingress(message('nope'), { authorization }), 401, 'Unauthorized');
    }
    expectText(await ingress(message('nope'), {}), 401, 'Unauthorized');
    // The key of another room does not open this one.
    const other = await rest('POST', '/rooms', owner, { name: 'Other' });
    expectText(await ingress(message('nope'), { authorization: `Bearer ${other.body.api_key}` }), 401, 'Unauthorized');
    expect(await head()).toBe(before + 3); // only the other room's creation
  });
});

describe('ingress: HMAC signature', () => {
  it('a signature of the raw body with the webhook secret is 202 queued, hex in either case', async () => {
    const body = message('signed');
    expectText(await ingress(body, { 'x-chat-signature': sign(secret, body) }), 202, 'queued');
    const upper = `sha256=${sign(secret, message('upper')).slice('sha256='.length).toUpperCase()}`;
    expectText(await ingress(message('upper'), { 'x-chat-signature': upper }), 202, 'queued');
  });

  it('invalid, wrong length, not hex, unprefixed, other secret, other body: 401 Unauthorized, nothing appended', async () => {
    const body = message('tampered');
    const good = sign(secret, body);
    const hex = good.slice('sha256='.length);
    const before = await head();
    const bad = [
      `sha256=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`, // one nibble off
      `sha256=${hex.slice(0, 62)}`, // 31 bytes
      `sha256=${hex}00`, // 33 bytes
      `sha256=${'z'.repeat(64)}`, // right length, not hex
      `sha256=${'g'.repeat(63)}0`,
      hex, // no prefix
      `sha1=${hex}`,
      'sha256=',
      sign('whsec_someone-else', body),
      sign(secret, message('another body')),
      sign(secret, `${Math.floor(now() / 1000)}.${body}`), // covers a timestamp that was not sent
    ];
    for (const signature of bad) expectText(await ingress(body, { 'x-chat-signature': signature }), 401, 'Unauthorized');
    expect(await head()).toBe(before);
  });

  it('an API key takes precedence: a bad key with a good signature is still 401', async () => {
    const body = message('both');
    expectText(await ingress(body, { authorization: 'Bearer sk_live_wrong', 'x-chat-signature': sign(secret, body) }), 401, 'Unauthorized');
  });
});

describe('ingress: X-Chat-Timestamp and the replay window', () => {
  it('the signature covers "<timestamp>.<body>"; the same signed request twice is refused as a replay', async () => {
    const body = message('once');
    const ts = String(Math.floor(now() / 1000));
    const headers = { 'x-chat-timestamp': ts, 'x-chat-signature': sign(secret, `${ts}.${body}`) };
    expectText(await ingress(body, headers), 202, 'queued');
    const before = await head();
    expectText(await ingress(body, headers), 401, 'Unauthorized');
    expect((await ingress(body, headers)).headers['x-error-detail']).toBe('Replayed signature');
    expect(await head()).toBe(before);
    // A fresh signature (another timestamp) for the same body is a new request.
    const ts2 = String(Number(ts) - 1);
    expectText(await ingress(body, { 'x-chat-timestamp': ts2, 'x-chat-signature': sign(secret, `${ts2}.${body}`) }), 202, 'queued');
  });

  it('a timestamp 5 min + 1 s old (or ahead) is 401; 4 min 59 s old is 202', async () => {
    const t = freezeOnSecond();
    const at = (deltaSeconds: number, text: string) => {
      const body = message(text);
      const ts = String(t / 1000 + deltaSeconds);
      return ingress(body, { 'x-chat-timestamp': ts, 'x-chat-signature': sign(secret, `${ts}.${body}`) });
    };
    const stale = await at(-301, 'stale');
    expectText(stale, 401, 'Unauthorized');
    expect(stale.headers['x-error-detail']).toBe('Stale X-Chat-Timestamp');
    expectText(await at(301, 'future'), 401, 'Unauthorized');
    expectText(await at(-299, 'fresh'), 202, 'queued');
    expectText(await at(299, 'slightly ahead'), 202, 'queued');
    // Exactly 5 minutes is still inside the window.
    expectText(await at(-300, 'edge'), 202, 'queued');
    // Milliseconds are accepted too (13 digits), with the same window.
    const body = message('ms');
    const ms = String(t - 300_001);
    expectText(await ingress(body, { 'x-chat-timestamp': ms, 'x-chat-signature': sign(secret, `${ms}.${body}`) }), 401, 'Unauthorized');
  });

  it('a malformed timestamp is 401', async () => {
    const body = message('odd');
    for (const ts of ['yesterday', '-5', '1.5', '', '12345678901234']) {
      expectText(await ingress(body, { 'x-chat-timestamp': ts, 'x-chat-signature': sign(secret, `${ts}.${body}`) }), 401, 'Unauthorized');
    }
  });

  it('a room that requires timestamps refuses untimestamped signatures, accepts timestamped ones, and still takes its API key', async () => {
    expect((await rest('PUT', `/rooms/${room}`, owner, { require_signed_timestamp: true })).status).toBe(200);
    try {
      const body = message('strict');
      const refused = await ingress(body, { 'x-chat-signature': sign(secret, body) });
      expectText(refused, 401, 'Unauthorized');
      expect(refused.headers['x-error-detail']).toBe('This room requires X-Chat-Timestamp');
      const ts = String(Math.floor(now() / 1000));
      expectText(await ingress(body, { 'x-chat-timestamp': ts, 'x-chat-signature': sign(secret, `${ts}.${body}`) }), 202, 'queued');
      expectText(await ingress(message('by key'), { authorization: `Bearer ${apiKey}` }), 202, 'queued');
    } finally {
      expect((await rest('PUT', `/rooms/${room}`, owner, { require_signed_timestamp: false })).status).toBe(200);
    }
    const body = message('relaxed');
    expectText(await ingress(body, { 'x-chat-signature': sign(secret, body) }), 202, 'queued');
  });
});

describe('ingress: webhook secret rotation', () => {
  it('the old secret works during the grace period and not a millisecond after; the new one works at once', async () => {
    const rotatedAt = freezeOnSecond();
    const rotated = await rest('POST', `/rooms/${room}/webhook-secret`, owner, { grace_seconds: 60 });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ webhook_secret: expect.stringMatching(/^whsec_/), previous_valid_until: new Date(rotatedAt + 60_000).toISOString() });
    const fresh: string = rotated.body.webhook_secret;
    expect(fresh).not.toBe(secret);
    const signedWith = (key: string, text: string) => {
      const body = message(text);
      return ingress(body, { 'x-chat-signature': sign(key, body) });
    };

    expectText(await signedWith(fresh, 'new secret'), 202, 'queued');
    expectText(await signedWith(secret, 'old secret, in grace'), 202, 'queued');
    freeze(rotatedAt + 59_999);
    expectText(await signedWith(secret, 'old secret, last ms'), 202, 'queued');
    freeze(rotatedAt + 60_000);
    expectText(await signedWith(secret, 'old secret, expired'), 401, 'Unauthorized');
    expectText(await signedWith(fresh, 'new secret still'), 202, 'queued');
    expect((await rest('GET', `/rooms/${room}/webhook-secret`, owner)).body).toEqual({ webhook_secret: fresh, previous_valid_until: null });

    // Rotating without grace retires the previous secret at once.
    const again = await rest('POST', `/rooms/${room}/webhook-secret`, owner, { grace_seconds: 0 });
    expect(again.body.previous_valid_until).toBeNull();
    expectText(await signedWith(fresh, 'retired at once'), 401, 'Unauthorized');
    expectText(await signedWith(again.body.webhook_secret, 'newest'), 202, 'queued');
    secret = again.body.webhook_secret;
  });
});

describe('ingress: documented statuses and bodies', () => {
  const auth = () => ({ authorization: `Bearer ${apiKey}` });

  it('400 Bad Request for invalid JSON and invalid fields, with nothing appended', async () => {
    const before = await head();
    const bodies = [
      '{"type":"chat","payload":',
      'not json',
      '',
      '[]',
      '"chat"',
      JSON.stringify({ type: 'chat' }),
      JSON.stringify({ payload: { text: 'no type' } }),
      JSON.stringify({ type: '', payload: { text: 'empty type' } }),
      JSON.stringify({ type: 'chat', payload: {} }),
      JSON.stringify({ type: 'chat', payload: { text: 5 } }),
      JSON.stringify({ type: 'chat', payload: { text: 'x', donationValue: '10.00' } }),
      JSON.stringify({ type: 'chat', payload: { text: 'x', isModerator: 'yes' } }),
      JSON.stringify({ type: 'chat', payload: { text: 'x', badges: [{ type: 'gif' }] } }),
      JSON.stringify({ type: 'chat', payload: { text: 'x', userId: '' } }),
      JSON.stringify({ type: 'chat', payload: { text: 'x', displayName: 'n'.repeat(129) } }),
    ];
    for (const body of bodies) expectText(await ingress(body, auth()), 400, 'Bad Request');
    expect(await head()).toBe(before);
  });

  /** The payload fields of the ingress reference (stream-rooms-ingress.txt), displayName included. */
  const documentedFields = [
    'text', 'displayName', 'userId', 'avatar', 'source', 'sourceIcon', 'badges', 'isModerator', 'nameColor', 'donation', 'donationValue',
    'backgroundColor', 'textColor', 'membership', 'subtitle', 'event', 'title', 'contentImage', 'replyTo', 'replyText', 'sourceName', 'sourceImage',
  ];

  it('every documented payload field is accepted and reaches a WebSocket viewer exactly as sent', async () => {
    const full = {
      type: 'event',
      payload: {
        text: 'Great stream! Keep it up!',
        displayName: 'GenerousViewer',
        userId: 'viewer-456',
        avatar: 'https://example.com/a.png',
        source: 'youtube',
        sourceIcon: 'https://example.com/yt.png',
        badges: [{ src: 'https://example.com/b.png', type: 'img' }, { type: 'svg', html: '<svg/>' }],
        isModerator: false,
        nameColor: '#ff0000',
        donation: '$10.00',
        donationValue: 10.5,
        backgroundColor: '#1565c0',
        textColor: '#ffffff',
        membership: 'MEMBER',
        subtitle: '12 months',
        event: 'raid',
        title: 'RAID',
        contentImage: 'https://example.com/sticker.png',
        replyTo: 'someone',
        replyText: 'earlier words',
        sourceName: 'My Channel',
        sourceImage: 'https://example.com/logo.png',
      },
    };
    expect(Object.keys(full.payload).sort()).toEqual([...documentedFields].sort());
    const viewer = await watch();
    expectText(await ingress(JSON.stringify(full), auth()), 202, 'queued');
    await viewer.waitFor((frames) => frames.filter((f) => f.t === 'msg').length === 1, 'the message', 15_000);
    const frame = viewer.of('msg')[0]!;
    expect(frame).toMatchObject({ t: 'msg', room, kind: 'event', sender: 'youtube:viewer-456' });
    // Exactly the sent payload: a field the schema dropped (or renamed, or re-typed) would be missing or differ here.
    expect(frame.payload).toStrictEqual(full.payload);
    expect(frame.meta).toBeUndefined();
    await viewer.close();
  });

  it('400 Bad Request for a wrong type in any documented field, with nothing appended', async () => {
    // One case per field not already covered by the 400 test above (text, donationValue and isModerator are).
    const cases: [string, Record<string, unknown>][] = [
      ['type: number', { type: 7, payload: { text: 'x' } }],
      ['payload: string', { type: 'chat', payload: 'x' }],
      ['payload: array', { type: 'chat', payload: [{ text: 'x' }] }],
      ...(
        [
          ['displayName', 42],
          ['userId', 123],
          ['avatar', 1],
          ['source', true],
          ['sourceIcon', { url: 'x' }],
          ['badges', 'gold'],
          ['badges', [{ src: 5 }]],
          ['badges', [{ type: 1 }]],
          ['badges', [{ html: ['<svg/>'] }]],
          ['badges', ['img']],
          ['nameColor', 16711680],
          ['donation', 5],
          ['backgroundColor', false],
          ['textColor', 255],
          ['membership', 1],
          ['subtitle', 12],
          ['event', { kind: 'raid' }],
          ['title', null],
          ['contentImage', ['https://example.com/s.png']],
          ['replyTo', 9],
          ['replyText', true],
          ['sourceName', 3],
          ['sourceImage', 0],
        ] as [string, unknown][]
      ).map(([field, value]): [string, Record<string, unknown>] => [`${field}: ${JSON.stringify(value)}`, { type: 'chat', payload: { text: 'x', [field]: value } }]),
    ];
    const fieldsCovered = new Set(cases.map(([name]) => name.split(':')[0]!));
    // Every documented field has a wrong-type case here or in the test above.
    for (const field of documentedFields) expect(fieldsCovered.has(field) || ['text', 'donationValue', 'isModerator'].includes(field), field).toBe(true);
    const before = await head();
    for (const [name, body] of cases) {
      const reply = await ingress(JSON.stringify(body), auth());
      expect({ status: reply.status, text: reply.text }, name).toEqual({ status: 400, text: 'Bad Request' });
    }
    expect(await head()).toBe(before);
  });

  it('400 Bad Request for a URL field that would run script in an overlay; other URL text is kept as sent', async () => {
    const before = await head();
    const refused: [string, unknown][] = [
      ['avatar', 'javascript:alert(1)'],
      ['sourceIcon', ' JaVa\tScRiPt:alert(1)'],
      ['contentImage', 'vbscript:msgbox(1)'],
      ['sourceImage', 'data:text/html,<script>alert(1)</script>'],
      ['badges', [{ src: 'java\nscript:alert(1)', type: 'img' }]],
    ];
    for (const [field, value] of refused) {
      const reply = await ingress(JSON.stringify({ type: 'chat', payload: { text: 'x', [field]: value } }), auth());
      expect({ status: reply.status, text: reply.text }, field).toEqual({ status: 400, text: 'Bad Request' });
    }
    expect(await head()).toBe(before);
    const kept = { avatar: '/avatars/7.png', sourceIcon: 'data:image/png;base64,iVBORw0KGgo=', contentImage: '{authorPhoto}', sourceImage: 'https://example.com/javascript:.png' };
    const viewer = await watch();
    expectText(await ingress(JSON.stringify({ type: 'chat', payload: { text: 'urls', ...kept } }), auth()), 202, 'queued');
    await viewer.waitFor((frames) => frames.some((f) => f.t === 'msg'), 'the message', 15_000);
    expect(viewer.of('msg')[0]!.payload).toMatchObject(kept);
    await viewer.close();
  });

  it('404 Not Found for an unknown room, whatever the credentials', async () => {
    const body = message('nowhere');
    expectText(await ingress(body, auth(), 'no-such-room'), 404, 'Not Found');
    expectText(await ingress(body, { 'x-chat-signature': sign(secret, body) }, 'no-such-room'), 404, 'Not Found');
    expectText(await ingress(body, {}, 'no-such-room'), 404, 'Not Found');
  });

  it('401 is answered before the body is looked at', async () => {
    expectText(await ingress('not json at all', { authorization: 'Bearer sk_live_wrong' }), 401, 'Unauthorized');
  });
});
