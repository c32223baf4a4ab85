import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ErrorFrame, HelloFrame, MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';

/*
 * Who may connect to a room's realtime endpoints on the full server, and what a connection may
 * do: `online` in the public room, `max_viewers`, guests, banned users, and socket `send` frames
 * under the same word filter, moderation and per-user limit as ingress. Real `ws` clients.
 */

let server: TestServer;
let owner: string;
/** Where the WebSocket clients connect: the server's port, or its network thread's (PARLEY_REALTIME_PORT). */
let wsBase: string;
const { now, pastRateWindows } = testClock();

interface Client {
  ws: WebSocket;
  frames: ServerFrame[];
  closed: Promise<{ code: number; reason: string }>;
  msgs(): MsgFrame[];
  errors(): ErrorFrame[];
  waitFor(check: (frames: ServerFrame[]) => boolean, what: string, ms?: number): Promise<void>;
  send(frame: unknown): void;
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Refused = Error & { status: number; body: any };

function connect(query: Record<string, string | number>): Promise<Client> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws?${qs}`);
    const frames: ServerFrame[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) })));
    });
    ws.once('error', reject);
    ws.once('open', () => {
      const client: Client = {
        ws,
        frames,
        closed,
        msgs: () => frames.filter((f): f is MsgFrame => f.t === 'msg'),
        errors: () => frames.filter((f): f is ErrorFrame => f.t === 'error'),
        waitFor: (check, what, ms) => until(() => check(frames), what, ms),
        send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
      };
      void client.waitFor((f) => f.some((x) => x.t === 'hello'), 'hello').then(() => resolve(client), reject);
    });
  });
}

async function refusal(query: Record<string, string | number>): Promise<{ status: number; body: any }> {
  try {
    const c = await connect(query);
    c.ws.close();
  } catch (error) {
    const e = error as Refused;
    if (typeof e.status === 'number') return { status: e.status, body: e.body };
    throw error;
  }
  throw new Error('the connection was accepted');
}

async function rest(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function newRoom(body: Record<string, unknown>) {
  const created = await rest('POST', '/rooms', owner, body);
  expect(created.status).toBe(200);
  const room: string = created.body.room;
  const apiKey: string = created.body.api_key;
  const mint = async (user_id: string, roles: string[] = []) => (await rest('POST', `/rooms/${room}/tokens`, apiKey, { user_id, display_name: user_id.split(':')[1] ?? user_id, roles })).body.token as string;
  return { room, apiKey, mint };
}

const online = async (room: string) => (await rest('GET', `/rooms/${room}/public`)).body.online as boolean;

async function waitOnline(room: string, expected: boolean) {
  const end = Date.now() + 15_000;
  while ((await online(room)) !== expected) {
    if (Date.now() > end) throw new Error(`online never became ${expected} (node: ${server.parley.realtime.online(room)} viewers; ${JSON.stringify(await rest('GET', `/rooms/${room}/public`))}; ${JSON.stringify(server.parley.realtime.metrics)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  server = await startTestServer({ PARLEY_REALTIME_PORT: '0' }, { now });
  owner = await server.identity('discord:rt-owner');
});

afterAll(async () => {
  await server?.stop();
});

// Every test runs twice: with its sockets on the server's own port, and on the port of its network thread.
describe.each([
  { name: 'sockets on the main thread', base: () => server.url.replace('http', 'ws') },
  { name: 'sockets on the network thread', base: () => `ws://127.0.0.1:${server.parley.realtime.networkPort}` },
])('$name', ({ base }) => {
  beforeAll(() => {
    wsBase = base();
    // The per-IP and per-user windows start afresh for each place: all clients share 127.0.0.1.
    pastRateWindows();
  });

  describe('realtime: who may connect', () => {
    it('`online` in GET /rooms/:room/public flips true and false with connections (WebSocket and SSE)', async () => {
      const { room, mint } = await newRoom({ name: 'Presence', allowed_providers: ['guest'] });
      expect(await online(room)).toBe(false);
      const a = await connect({ room, token: await mint('guest:a') });
      await waitOnline(room, true);
      const b = await connect({ room, guest: 1 });
      await a.waitFor((f) => f.some((x) => x.t === 'presence' && x.online === 2), 'presence 2');
      a.ws.close();
      await a.closed;
      expect(await online(room)).toBe(true);
      b.ws.terminate(); // an abrupt drop counts too
      await waitOnline(room, false);

      const sse = new AbortController();
      const res = await fetch(`${server.url}/sse?room=${room}&guest=1`, { signal: sse.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      await waitOnline(room, true);
      sse.abort();
      await waitOnline(room, false);
    });

    it('max_viewers: the (max+1)th connection is refused with 403 until a slot frees up', async () => {
      const { room, mint } = await newRoom({ name: 'Small', allowed_providers: ['guest'], max_viewers: 2 });
      const first = await connect({ room, token: await mint('guest:one') });
      const second = await connect({ room, guest: 1 });
      const third = await refusal({ room, token: await mint('guest:three') });
      expect(third).toEqual({ status: 403, body: { error: 'Forbidden', message: expect.stringMatching(/full|max/i), status: 403 } });
      const sse = await fetch(`${server.url}/sse?room=${room}&guest=1`);
      expect(sse.status).toBe(403);
      // A burst of attempts cannot overshoot either.
      const burst = await Promise.allSettled(Array.from({ length: 10 }, () => connect({ room, guest: 1 })));
      expect(burst.every((r) => r.status === 'rejected')).toBe(true);
      first.ws.close();
      await first.closed;
      const fourth = await connect({ room, guest: 1 });
      expect(fourth.frames[0]).toMatchObject({ t: 'hello', online: 2 });
      await refusal({ room, guest: 1 });
      // Raising the limit lets more in.
      expect((await rest('PUT', `/rooms/${room}`, owner, { max_viewers: 3 })).status).toBe(200);
      const fifth = await connect({ room, guest: 1 });
      for (const c of [second, fourth, fifth]) c.ws.close();
    });

    it('guests only where the room allows the guest provider; guests watch but cannot send', async () => {
      const open = await newRoom({ name: 'Open', allowed_providers: ['discord', 'guest'] });
      const guest = await connect({ room: open.room, guest: 1, name: 'Visitor' });
      const hello = guest.frames[0] as HelloFrame;
      expect(hello.you.roles).toEqual(['guest']);
      expect(hello.you.userId).toMatch(/^guest:/);
      guest.send({ t: 'send', text: 'hello?', nonce: 'g1' });
      await guest.waitFor((f) => f.some((x) => x.t === 'error'), 'the refusal');
      expect(guest.errors()[0]).toEqual({ t: 'error', code: 'forbidden', message: expect.any(String), nonce: 'g1' });

      const closed = await newRoom({ name: 'Members only', allowed_providers: ['discord'] });
      expect(await refusal({ room: closed.room, guest: 1 })).toEqual({ status: 403, body: { error: 'Forbidden', message: expect.any(String), status: 403 } });
      expect((await fetch(`${server.url}/sse?room=${closed.room}&guest=1`)).status).toBe(403);
      // A room token still works there.
      const member = await connect({ room: closed.room, token: await closed.mint('discord:member') });
      member.ws.close();
      guest.ws.close();
    });

    it('an identity token comes in as the owner, a moderator, or a user of a provider the room allows', async () => {
      const { room } = await newRoom({ name: 'Twitch only', allowed_providers: ['twitch'] });
      expect((await rest('PUT', `/rooms/${room}`, owner, { moderators: ['discord:helper'] })).status).toBe(200);
      for (const sub of ['discord:rt-owner', 'discord:helper', 'twitch:viewer']) {
        const c = await connect({ room, token: await server.identity(sub) });
        expect((c.frames[0] as HelloFrame).you.userId).toBe(sub);
        c.ws.close();
      }
      for (const sub of ['discord:stranger', 'guest:sneaky', 'ryo']) {
        expect(await refusal({ room, token: await server.identity(sub) }), sub).toEqual({ status: 403, body: { error: 'Forbidden', message: expect.stringContaining('does not allow'), status: 403 } });
      }
    });

    it('refuses a banned user’s token at connect, and lets it in after unban', async () => {
      const { room, mint } = await newRoom({ name: 'Bans', allowed_providers: ['discord'] });
      const token = await mint('discord:banned');
      const connected = await connect({ room, token });
      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'ban', target: 'discord:banned' })).status).toBe(200);
      await connected.waitFor((f) => f.some((x) => x.t === 'mod' && x.action === 'ban'), 'the ban frame');
      connected.ws.close();
      expect(await refusal({ room, token })).toEqual({ status: 403, body: { error: 'Forbidden', message: 'Banned from this room', status: 403 } });
      expect((await fetch(`${server.url}/sse?room=${room}&token=${token}`)).status).toBe(403);
      // The same user signed in with an identity token is refused too.
      expect(await refusal({ room, token: await server.identity('discord:banned') })).toEqual({ status: 403, body: { error: 'Forbidden', message: 'Banned from this room', status: 403 } });
      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'unban', target: 'discord:banned' })).status).toBe(200);
      const back = await connect({ room, token });
      back.ws.close();
    });

    it('answers bad connection requests with the documented statuses', async () => {
      const { room, mint } = await newRoom({ name: 'Statuses' });
      const other = await newRoom({ name: 'Elsewhere' });
      expect((await refusal({ token: await mint('discord:x') })).status).toBe(400);
      expect((await refusal({ room, token: await mint('discord:x'), since: 'soon' })).status).toBe(400);
      expect(await refusal({ room })).toEqual({ status: 401, body: { error: 'Unauthorized', message: expect.any(String), status: 401 } });
      expect((await refusal({ room, token: 'not-a-jwt' })).status).toBe(401);
      expect((await refusal({ room, token: await other.mint('discord:x') })).status).toBe(403);
      expect((await refusal({ room: 'no-such-room', token: await mint('discord:x') })).status).toBe(404);
    });
  });

  describe('realtime: socket sends go through the ingress rules', () => {
    it('an accepted send comes back to everyone as msg; the word filter and mutes answer an error frame with the nonce', async () => {
      const { room, mint } = await newRoom({ name: 'Talk' });
      const alice = await connect({ room, token: await mint('discord:alice') });
      const bob = await connect({ room, token: await mint('discord:bob') });
      alice.send({ t: 'send', text: 'hi bob', meta: { mood: ['😀', null] }, nonce: 'a1' });
      for (const c of [alice, bob]) await c.waitFor((f) => f.some((x) => x.t === 'msg'), 'the message');
      expect(bob.msgs()[0]).toMatchObject({ sender: 'discord:alice', kind: 'chat', payload: { text: 'hi bob', displayName: 'alice', userId: 'discord:alice' }, meta: { mood: ['😀', null] } });
      expect(alice.msgs()[0]).toEqual(bob.msgs()[0]);

      expect((await rest('PUT', `/rooms/${room}`, owner, { filter_enabled: true, filter_words: ['durian'] })).status).toBe(200);
      const head = await server.parley.ctx.store.headPosition();
      alice.send({ t: 'send', text: 'I brought DURIAN', nonce: 'a2' });
      await alice.waitFor((f) => f.some((x) => x.t === 'error'), 'the filter refusal');
      expect(alice.errors()[0]).toEqual({ t: 'error', code: 'filtered', message: expect.stringContaining('word_filter'), nonce: 'a2' });

      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'mute', target: 'discord:alice' })).status).toBe(200);
      alice.send({ t: 'send', text: 'can anyone hear me', nonce: 'a3' });
      await alice.waitFor((f) => f.filter((x) => x.t === 'error').length === 2, 'the mute refusal');
      expect(alice.errors()[1]).toEqual({ t: 'error', code: 'filtered', message: expect.stringContaining('muted'), nonce: 'a3' });
      expect(await server.parley.ctx.store.headPosition()).toBe(head + 1); // only the mute itself

      bob.send({ t: 'send', text: 'still here', nonce: 'b1' });
      await bob.waitFor((f) => f.filter((x) => x.t === 'msg').length === 2, 'bob’s message');
      expect(bob.msgs().map((m) => m.payload.text)).toEqual(['hi bob', 'still here']);
      // Malformed frames are answered, not fatal.
      bob.send('not json');
      bob.send({ t: 'shout', text: 'x' });
      bob.send({ t: 'send', text: '' });
      await bob.waitFor((f) => f.filter((x) => x.t === 'error').length === 3, 'three bad_frame errors');
      expect(bob.errors().map((e) => e.code)).toEqual(['bad_frame', 'bad_frame', 'bad_frame']);
      bob.send({ t: 'ping' });
      await bob.waitFor((f) => f.some((x) => x.t === 'pong'), 'pong');
      alice.ws.close();
      bob.ws.close();
    });

    it('the per-user limit: the 21st send in 10 s gets an error frame rate_limited; ingress and socket share it; others are unaffected', async () => {
      const { room, apiKey, mint } = await newRoom({ name: 'Chatty' });
      const carol = await connect({ room, token: await mint('twitch:carol') });
      const dan = await connect({ room, token: await mint('twitch:dan') });
      // 10 of carol's messages arrive by webhook, as twitch user "carol".
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${server.url}/rooms/${room}/ingress`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'chat', payload: { text: `hook ${i}`, userId: 'carol', source: 'twitch' } }),
        });
        expect(await res.text()).toBe('queued');
      }
      for (let i = 0; i < 10; i++) carol.send({ t: 'send', text: `sock ${i}`, nonce: `c${i}` });
      await carol.waitFor((f) => f.filter((x) => x.t === 'msg').length === 20, '20 messages');
      expect(carol.errors()).toEqual([]);
      carol.send({ t: 'send', text: 'one too many', nonce: 'c21' });
      await carol.waitFor((f) => f.some((x) => x.t === 'error'), 'the limit');
      expect(carol.errors()).toEqual([{ t: 'error', code: 'rate_limited', message: expect.stringMatching(/retry in \d+ s/), nonce: 'c21' }]);
      dan.send({ t: 'send', text: 'dan is fine', nonce: 'd1' });
      await dan.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'dan is fine'), 'dan’s message');
      await carol.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'dan is fine'), 'dan’s message at carol');
      expect(carol.msgs().map((m) => m.payload.text)).not.toContain('one too many');
      expect(carol.msgs()).toHaveLength(21);
      carol.ws.close();
      dan.ws.close();
    });

    it('a user banned while connected: every socket and SSE stream of theirs in that room gets the ban frame, then closes (4403 banned); others and their other rooms stay', async () => {
      const { room, mint } = await newRoom({ name: 'Banned while here' });
      const other = await newRoom({ name: 'Erin is welcome here' });
      const erinToken = await mint('discord:erin');
      const erin = await connect({ room, token: erinToken });
      const erinTwin = await connect({ room, token: erinToken });
      const erinElsewhere = await connect({ room: other.room, token: await other.mint('discord:erin') });
      const frank = await connect({ room, token: await mint('discord:frank') });
      const erinSse = await fetch(`${server.url}/sse?room=${room}&token=${erinToken}`);
      expect(erinSse.status).toBe(200);
      const sseText = erinSse.text();

      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'ban', target: 'discord:erin' })).status).toBe(200);
      for (const c of [erin, erinTwin]) {
        expect(await c.closed).toEqual({ code: 4403, reason: 'banned' });
        // The ban frame came first: the client learns why before the close.
        expect(c.frames.at(-1)).toMatchObject({ t: 'mod', action: 'ban', target: 'discord:erin' });
      }
      // The SSE stream ends (the server closes it) after carrying the ban event.
      expect(await sseText).toMatch(/"action":"ban","target":"discord:erin"/);
      await frank.waitFor((f) => f.some((x) => x.t === 'mod' && x.action === 'ban' && x.target === 'discord:erin'), 'the ban frame at frank');

      // Frank and Erin's socket in another room stay open and keep receiving.
      frank.send({ t: 'send', text: 'marker after the ban', nonce: 'f1' });
      await frank.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'marker after the ban'), 'the marker');
      expect(frank.ws.readyState).toBe(WebSocket.OPEN);
      expect((await fetch(`${server.url}/rooms/${other.room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json', 'x-forwarded-for': '10.77.0.1' }, body: JSON.stringify({ type: 'chat', payload: { text: 'still here, erin?' } }) })).status).toBe(202);
      await erinElsewhere.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'still here, erin?'), 'a message in the other room');
      expect(erinElsewhere.ws.readyState).toBe(WebSocket.OPEN);
      // Coming back is refused while the ban lasts.
      await expect(connect({ room, token: erinToken })).rejects.toMatchObject({ status: 403, body: { message: 'Banned from this room' } });
      frank.ws.close();
      erinElsewhere.ws.close();
    });

    it('a mute or a stealth ban closes nothing: the user stays connected', async () => {
      const { room, mint } = await newRoom({ name: 'Muted while here' });
      const gina = await connect({ room, token: await mint('discord:gina') });
      const hank = await connect({ room, token: await mint('discord:hank') });
      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'mute', target: 'discord:gina' })).status).toBe(200);
      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'stealth', target: 'discord:hank' })).status).toBe(200);
      gina.send({ t: 'send', text: 'muted words', nonce: 'g1' });
      await gina.waitFor((f) => f.some((x) => x.t === 'error'), 'the mute refusal');
      expect(gina.errors()).toEqual([{ t: 'error', code: 'filtered', message: 'Message filtered (muted)', nonce: 'g1' }]);
      hank.send({ t: 'send', text: 'stealthy words', nonce: 'h1' });
      await hank.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'stealthy words'), 'hank sees his own message');
      for (const c of [gina, hank]) expect(c.ws.readyState).toBe(WebSocket.OPEN);
      gina.ws.close();
      hank.ws.close();
    });

    it('a stealthed user’s socket send is accepted and reaches moderators and the sender’s own sockets, not a plain viewer', async () => {
      const { room, mint } = await newRoom({ name: 'Stealth over the socket' });
      const mod = await connect({ room, token: await mint('discord:warden', ['moderator']) });
      const ownerSocket = await connect({ room, token: owner });
      const sneaky = await connect({ room, token: await mint('discord:sneaky') });
      const sneakyTwin = await connect({ room, token: await mint('discord:sneaky') });
      const viewer = await connect({ room, token: await mint('discord:viewer') });
      expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action: 'stealth', target: 'discord:sneaky' })).status).toBe(200);
      await mod.waitFor((f) => f.some((x) => x.t === 'mod' && x.action === 'stealth' && x.target === 'discord:sneaky'), 'the stealth frame');

      const head = await server.parley.ctx.store.headPosition();
      sneaky.send({ t: 'send', text: 'only some see this', meta: { n: 1 }, nonce: 's1' });
      const privileged = [mod, ownerSocket, sneaky, sneakyTwin];
      for (const c of privileged) await c.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'only some see this'), 'the stealth message');
      expect(await server.parley.ctx.store.headPosition()).toBe(head + 1);
      const stealthMsg = mod.msgs()[0]!;
      expect(stealthMsg).toMatchObject({ t: 'msg', room, kind: 'chat', sender: 'discord:sneaky', payload: { text: 'only some see this', displayName: 'sneaky', userId: 'discord:sneaky' }, meta: { n: 1 } });
      // To its sender it looks like any other message: the same frame as the moderators get.
      for (const c of [ownerSocket, sneaky, sneakyTwin]) expect(c.msgs()[0]).toEqual(stealthMsg);

      // Proof of absence: a later message from the plain viewer reaches everyone, in seq order after the stealth one.
      viewer.send({ t: 'send', text: 'marker for everyone', nonce: 'v1' });
      for (const c of [...privileged, viewer]) await c.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'marker for everyone'), 'the marker');
      const marker = viewer.msgs().find((m) => m.payload.text === 'marker for everyone')!;
      expect(marker.seq).toBeGreaterThan(stealthMsg.seq);
      expect(viewer.msgs().map((m) => m.payload.text)).toEqual(['marker for everyone']);
      for (const c of privileged) expect(c.msgs().map((m) => m.payload.text)).toEqual(['only some see this', 'marker for everyone']);
      // The send was accepted: no error frame; and the stealth action itself was never shown to its target or the viewer.
      for (const c of [sneaky, sneakyTwin, viewer]) expect(c.errors()).toEqual([]);
      for (const c of [sneaky, sneakyTwin, viewer]) expect(c.frames.some((x) => x.t === 'mod' && x.action === 'stealth')).toBe(false);
      for (const c of [mod, ownerSocket, sneaky, sneakyTwin, viewer]) c.ws.close();
    });

    it('a client frame over 64 KiB closes the socket with 1009', async () => {
      const { room, mint } = await newRoom({ name: 'Big frames' });
      const c = await connect({ room, token: await mint('discord:big') });
      c.send({ t: 'send', text: 'x'.repeat(64 * 1024) });
      expect((await c.closed).code).toBe(1009);
    });
  });
});
