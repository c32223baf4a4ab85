import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppRouter } from '@parley/app-api/trpc';
import { inprocBus, type Bus } from '@parley/infra/bus';
import { e2eProfile, startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { jsonCall, type JsonReply as Reply } from './testing/json-call.js';

/*
 * Room history (`GET /rooms/{room}/messages`, and tRPC `rooms.history`) over real HTTP: who may
 * read it, what each reader sees (stealth messages to moderators and their sender only, removed
 * messages without content), paging, read-your-writes after ingress, and the error shape.
 */

let server: TestServer;
let owner: string;
let room: string;
let apiKey: string;

/** Each test starts 11 s later on the server's clock, so the ingress limits (60 / 10 s per IP) start afresh. */
const { now, pastRateWindows } = testClock();

const call = (method: string, path: string, token?: string, body?: unknown) => jsonCall(server.url, method, path, token, body);

const read = (token: string | undefined, query = '', roomId = room) => call('GET', `/rooms/${roomId}/messages${query ? `?${query}` : ''}`, token);
const texts = (reply: Reply) => reply.body.messages.map((m: { payload: { text: string } | null }) => m.payload?.text ?? null);

async function post(text: string, extra: Record<string, unknown> = {}, key = apiKey, roomId = room) {
  const res = await fetch(`${server.url}/rooms/${roomId}/ingress`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'chat', payload: { text, ...extra } }),
  });
  expect(await res.text()).toBe('queued');
}

const mint = async (user_id: string, roles: string[] = [], roomId = room, key = apiKey) =>
  (await call('POST', `/rooms/${roomId}/tokens`, key, { user_id, display_name: user_id, roles })).body.token as string;

const errorBody = (status: number, error: string) => ({ error, message: expect.any(String), status });

beforeAll(async () => {
  server = await startTestServer({}, { now });
  owner = await server.identity('discord:history-owner');
  const created = await call('POST', '/rooms', owner, { name: 'History' });
  room = created.body.room;
  apiKey = created.body.api_key;
  expect((await call('PUT', `/rooms/${room}`, owner, { moderators: ['discord:hmod'] })).status).toBe(200);
  // The story: two public messages, a stealth-banned sender's message, one message later removed.
  await post('first', { userId: 'ann', source: 'twitch' });
  expect((await call('POST', `/rooms/${room}/moderation`, owner, { action: 'stealth', target: 'twitch:sneaky' })).status).toBe(200);
  await post('hidden', { userId: 'sneaky', source: 'twitch' });
  const doomed = { type: 'chat', payload: { text: 'doomed', userId: 'bob', source: 'twitch' }, meta: { secret: 'gone soon' } };
  expect(await (await fetch(`${server.url}/rooms/${room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: JSON.stringify(doomed) })).text()).toBe('queued');
  await post('last', { userId: 'ann', source: 'twitch' });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(pastRateWindows);

describe('history: who may read it', () => {
  it('a room token, the owner or a moderator identity, or the API key: 200; the rest in the stream-rooms error shape', async () => {
    const other = await call('POST', '/rooms', owner, { name: 'Other' });
    const otherToken = await mint('discord:x', [], other.body.room, other.body.api_key);
    expect((await read(await mint('guest:viewer'))).status).toBe(200);
    expect((await read(owner)).status).toBe(200);
    expect((await read(await server.identity('discord:hmod'))).status).toBe(200);
    expect((await read(apiKey)).status).toBe(200);

    expect(await read(undefined)).toMatchObject({ status: 401, body: errorBody(401, 'Unauthorized') });
    expect(await read('garbage')).toMatchObject({ status: 401, body: errorBody(401, 'Unauthorized') });
    expect(await read(other.body.api_key)).toMatchObject({ status: 401, body: errorBody(401, 'Unauthorized') });
    expect(await read(await server.identity('discord:stranger'))).toMatchObject({ status: 403, body: errorBody(403, 'Forbidden') });
    expect(await read(otherToken)).toMatchObject({ status: 403, body: errorBody(403, 'Forbidden') });
    expect(await read(owner, '', 'no-such-room')).toMatchObject({ status: 404, body: errorBody(404, 'Not Found') });
    // A bad credential is reported before an unknown room.
    expect((await read(undefined, '', 'no-such-room')).status).toBe(401);
    expect((await read('garbage', '', 'no-such-room')).status).toBe(401);
  });

  it('a banned user’s token is refused, and accepted again after unban', async () => {
    const token = await mint('twitch:banme');
    expect((await read(token)).status).toBe(200);
    expect((await call('POST', `/rooms/${room}/moderation`, owner, { action: 'ban', target: 'twitch:banme' })).status).toBe(200);
    expect(await read(token)).toMatchObject({ status: 403, body: { error: 'Forbidden', message: 'Banned from this room', status: 403 } });
    expect((await call('POST', `/rooms/${room}/moderation`, owner, { action: 'unban', target: 'twitch:banme' })).status).toBe(200);
    expect((await read(token)).status).toBe(200);
  });

  it('carries the caller quota headers', async () => {
    const reply = await read(owner);
    expect(reply.headers.get('x-ratelimit-limit')).toBe('600');
    expect(Number(reply.headers.get('x-ratelimit-remaining'))).toBeLessThan(600);
    expect(reply.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
  });
});

describe('history: what each reader sees', () => {
  it('stealth messages only for moderators and their sender, flagged as such', async () => {
    const viewer = await read(await mint('guest:viewer'));
    expect(texts(viewer)).toEqual(['first', 'doomed', 'last']);
    const sender = await read(await mint('twitch:sneaky'));
    expect(texts(sender)).toEqual(['first', 'hidden', 'doomed', 'last']);
    for (const token of [await mint('guest:volunteer', ['moderator']), await server.identity('discord:hmod'), owner, apiKey]) {
      expect(texts(await read(token))).toEqual(['first', 'hidden', 'doomed', 'last']);
    }
    const hidden = sender.body.messages[1];
    expect(hidden).toEqual({
      seq: expect.any(Number),
      id: expect.any(String),
      kind: 'chat',
      ts: expect.any(Number),
      sender: 'twitch:sneaky',
      payload: { text: 'hidden', userId: 'sneaky', source: 'twitch', displayName: 'webhook' },
      removed: false,
      stealth: true,
    });
    expect(viewer.body.messages.every((m: { stealth: boolean }) => !m.stealth)).toBe(true);
  });

  it('a removed message keeps its place without content or meta, for everyone', async () => {
    const before = await read(owner);
    const doomed = before.body.messages.find((m: { payload: { text: string } }) => m.payload.text === 'doomed');
    expect(doomed.meta).toEqual({ secret: 'gone soon' });
    const removed = await call('DELETE', `/rooms/${room}/messages/${doomed.id}`, await server.identity('discord:hmod'));
    expect(removed.body).toEqual({ room, id: doomed.id, seq: doomed.seq, removed: true });
    for (const token of [owner, await mint('guest:viewer')]) {
      const after = await read(token);
      const entry = after.body.messages.find((m: { id: string }) => m.id === doomed.id);
      expect(entry).toEqual({ seq: doomed.seq, id: doomed.id, kind: 'chat', ts: doomed.ts, sender: 'twitch:bob', payload: null, removed: true, stealth: false });
    }
  });
});

describe('history: paging and read-your-writes', () => {
  it('newest first pages with before, oldest first with after; has_more says whether more lie that way', async () => {
    const paging = await call('POST', '/rooms', owner, { name: 'Paging' });
    const r: string = paging.body.room;
    const key: string = paging.body.api_key;
    for (let i = 0; i < 7; i++) await post(`p${i}`, {}, key, r);
    const all = await read(key, 'limit=200', r);
    expect(texts(all)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(all.body.has_more).toBe(false);
    const seqs: number[] = all.body.messages.map((m: { seq: number }) => m.seq);

    const newest = await read(key, 'limit=3', r);
    expect({ texts: texts(newest), more: newest.body.has_more }).toEqual({ texts: ['p4', 'p5', 'p6'], more: true });
    const older = await read(key, `limit=3&before=${seqs[4]}`, r);
    expect({ texts: texts(older), more: older.body.has_more }).toEqual({ texts: ['p1', 'p2', 'p3'], more: true });
    const oldest = await read(key, `limit=3&before=${seqs[1]}`, r);
    expect({ texts: texts(oldest), more: oldest.body.has_more }).toEqual({ texts: ['p0'], more: false });

    const forward = await read(key, `limit=3&after=${seqs[1]}`, r);
    expect({ texts: texts(forward), more: forward.body.has_more }).toEqual({ texts: ['p2', 'p3', 'p4'], more: true });
    const between = await read(key, `after=${seqs[1]}&before=${seqs[5]}`, r);
    expect(texts(between)).toEqual(['p2', 'p3', 'p4']);
    const end = await read(key, `after=${seqs[6]}`, r);
    expect(end.body).toEqual({ room: r, messages: [], has_more: false });
  });

  it('limit defaults to 50 and may be at most 200; bad parameters are 400', async () => {
    const busy = await call('POST', '/rooms', owner, { name: 'Busy' });
    const r: string = busy.body.room;
    const key: string = busy.body.api_key;
    await Promise.all(Array.from({ length: 55 }, (_, i) => post(`b${i}`, {}, key, r)));
    expect((await read(key, '', r)).body.messages).toHaveLength(50);
    expect((await read(key, 'limit=200', r)).body.messages).toHaveLength(55);
    for (const query of ['limit=201', 'limit=0', 'limit=-1', 'limit=ten', 'limit=1.5', 'before=abc', 'after=-2', 'before=1e400']) {
      expect(await read(key, query, r), query).toMatchObject({ status: 400, body: errorBody(400, 'Bad Request') });
    }
  });

  it('reads its own writes: a message is in the history as soon as ingress answered 202', async () => {
    const rw = await call('POST', '/rooms', owner, { name: 'Fresh' });
    const r: string = rw.body.room;
    const key: string = rw.body.api_key;
    for (let i = 0; i < 20; i++) {
      await post(`fresh${i}`, {}, key, r);
      const page = await read(key, 'limit=1', r);
      expect(texts(page)).toEqual([`fresh${i}`]);
    }
    // Under load too: each writer reads right after its own 202, while the others keep writing.
    const seen = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await post(`busy${i}`, {}, key, r);
        return texts(await read(key, 'limit=200', r)).includes(`busy${i}`);
      }),
    );
    expect(seen).toEqual(Array(40).fill(true));
  });

  it('the embedded profile reads messages from its event log; a cluster api node keeps a copy in its read models', async () => {
    const created = await call('POST', '/rooms', owner, { name: 'Where' });
    const text = `where-am-i-${Date.now()}`;
    await post(text, {}, created.body.api_key, created.body.room);
    const page = await read(created.body.api_key, 'limit=1', created.body.room);
    expect(texts(page)).toEqual([text]);
    if (server.profile === 'embedded') {
      // The log finds a message by id: its event's id is the message's id.
      const log = new Database(join(server.dataDir, 'events.db'), { readonly: true });
      let posted: unknown[];
      try {
        posted = log.prepare("SELECT id FROM events WHERE type = 'ChatMessagePosted' AND stream = ?").all(`room-${created.body.room}`);
      } finally {
        log.close();
      }
      expect(posted).toEqual([{ id: page.body.messages[0].id }]);
    }
    const readModels = new Database(join(server.dataDir, 'read-models.db'), { readonly: true });
    try {
      const copied = readModels.prepare("SELECT name FROM sqlite_master WHERE name = 'timeline_messages'").get() !== undefined;
      const copies = copied ? readModels.prepare('SELECT count(*) AS n FROM timeline_messages WHERE payload ->> ? = ?').get('$.text', text) : { n: 0 };
      if (server.profile === 'embedded') expect([copied, copies]).toEqual([false, { n: 0 }]);
      else expect([copied, copies]).toEqual([true, { n: 1 }]);
    } finally {
      readModels.close();
    }
  });
});

describe('history: read-your-writes with a lagging projector', () => {
  /**
   * The embedded bus projects within the append, so a read right after a 202 would see the write
   * even without waiting. Here the projector's group hears every batch 100 ms late (as a projector
   * in another process would): only the bounded wait for the store head makes the read fresh.
   * On the cluster engines the read models follow the store's log, so that feed is the one delayed.
   */
  const laggingProjector = (lagMs: number): Bus => {
    const inner = inprocBus();
    return {
      kind: 'inproc-lagging-projector',
      publish: (events) => inner.publish(events),
      subscribe: (options, handler) =>
        inner.subscribe(options, options.group === 'projector' ? (events) => void setTimeout(() => void handler(events), lagMs) : handler),
      close: () => inner.close(),
    };
  };

  it('a read right after the 202 waits for the projector and sees the write', async () => {
    const lagging = await startTestServer({}, e2eProfile === 'cluster' ? { storeFeedLagMs: 100 } : { bus: laggingProjector(100) });
    try {
      const identity = await lagging.identity('discord:lag-owner');
      const created = await fetch(`${lagging.url}/rooms`, { method: 'POST', headers: { authorization: `Bearer ${identity}` }, body: JSON.stringify({ name: 'Lagging' }) });
      const { room: r, api_key: key } = (await created.json()) as { room: string; api_key: string };
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${lagging.url}/rooms/${r}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ type: 'chat', payload: { text: `lag${i}` } }) });
        expect(await res.text()).toBe('queued');
        const page = await fetch(`${lagging.url}/rooms/${r}/messages?limit=1`, { headers: { authorization: `Bearer ${key}` } });
        expect(((await page.json()) as { messages: Array<{ payload: { text: string } }> }).messages.map((m) => m.payload.text)).toEqual([`lag${i}`]);
      }
    } finally {
      await lagging.stop();
    }
  });
});

describe('history over tRPC: rooms.history', () => {
  const client = (token?: string) =>
    createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })] });

  async function codeOf(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (error) {
      expect(error).toBeInstanceOf(TRPCClientError);
      return (error as TRPCClientError<AppRouter>).data?.code ?? 'no code';
    }
    throw new Error('expected the call to fail');
  }

  it('answers what REST answers, with the same visibility rules and tRPC error codes', async () => {
    const sneaky = await mint('twitch:sneaky');
    const viaTrpc = await client(sneaky).rooms.history.query({ room, limit: 200 });
    const viaRest = await read(sneaky, 'limit=200');
    expect(viaTrpc).toEqual(viaRest.body);
    const page = await client(apiKey).rooms.history.query({ room, limit: 2 });
    expect(page.messages.map((m) => m.payload?.text ?? null)).toEqual([null, 'last']);
    expect(page.has_more).toBe(true);
    const older = await client(apiKey).rooms.history.query({ room, before: page.messages[0]!.seq, limit: 2 });
    expect(older.messages.map((m) => m.payload?.text)).toEqual(['first', 'hidden']);

    expect(await codeOf(client().rooms.history.query({ room }))).toBe('UNAUTHORIZED');
    expect(await codeOf(client(await server.identity('discord:stranger')).rooms.history.query({ room }))).toBe('FORBIDDEN');
    expect(await codeOf(client(owner).rooms.history.query({ room: 'no-such-room' }))).toBe('NOT_FOUND');
    expect(await codeOf(client(owner).rooms.history.query({ room, limit: 201 }))).toBe('BAD_REQUEST');
  });
});

describe('history in the OpenAPI document', () => {
  it('documents GET /rooms/{room}/messages with its query, security, answers and error shape', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const op = doc.paths['/rooms/{room}/messages']?.get;
    expect(op).toBeDefined();
    expect(op.operationId).toBe('readRoomHistory');
    expect(op.security.length).toBeGreaterThan(0);
    expect(op.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'path', name: 'room', required: true }),
        expect.objectContaining({ in: 'query', name: 'before' }),
        expect.objectContaining({ in: 'query', name: 'after' }),
        expect.objectContaining({ in: 'query', name: 'limit' }),
      ]),
    );
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '429']));
    for (const status of ['404', '429']) expect(op.responses[status].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });
});
