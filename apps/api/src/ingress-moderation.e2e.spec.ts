import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { jsonCall } from './testing/json-call.js';

/*
 * Webhook users are moderated like anyone, by `source:userId`: a ban or mute answers `filtered`
 * and appends nothing; a stealth ban answers `queued` but only moderators and the sender's own
 * connections see the message; unban / unmute restore. Real HTTP and real WebSocket clients.
 */

let server: TestServer;
let owner: string;
let room: string;
let apiKey: string;

interface Viewer {
  frames: ServerFrame[];
  texts(): string[];
  waitFor(check: (texts: string[]) => boolean, what: string): Promise<void>;
  close(): void;
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function watch(token: string): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?room=${room}&token=${encodeURIComponent(token)}`);
    const frames: ServerFrame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    ws.once('error', reject);
    ws.once('open', () => {
      const texts = () => frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.payload.text as string);
      const viewer: Viewer = { frames, texts, waitFor: (check, what) => until(() => check(texts()), what), close: () => ws.close() };
      void until(() => frames.some((f) => f.t === 'hello'), 'hello').then(() => resolve(viewer), reject);
    });
  });
}

const rest = async (method: string, path: string, token: string, body?: unknown) => {
  const { status, body: answer } = await jsonCall(server.url, method, path, token, body);
  return { status, body: answer };
};

async function post(text: string, userId?: string, source?: string) {
  const payload = { text, ...(userId !== undefined ? { userId } : {}), ...(source !== undefined ? { source } : {}) };
  const res = await fetch(`${server.url}/rooms/${room}/ingress`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ type: 'chat', payload }),
  });
  return { status: res.status, text: await res.text() };
}

const moderate = async (action: string, target: string) => expect((await rest('POST', `/rooms/${room}/moderation`, owner, { action, target })).status).toBe(200);
const mint = async (user_id: string, roles: string[] = []) => (await rest('POST', `/rooms/${room}/tokens`, apiKey, { user_id, display_name: user_id, roles })).body.token as string;
const head = () => server.parley.ctx.store.headPosition();
const queued = { status: 202, text: 'queued' };
const filtered = { status: 202, text: 'filtered' };

beforeAll(async () => {
  server = await startTestServer();
  owner = await server.identity('discord:mod-owner');
  const created = await rest('POST', '/rooms', owner, { name: 'Moderated ingress', allowed_providers: ['discord', 'guest'] });
  room = created.body.room;
  apiKey = created.body.api_key;
  expect((await rest('PUT', `/rooms/${room}`, owner, { moderators: ['discord:helper'] })).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
});

describe('ingress: moderation of webhook users', () => {
  it('a banned source:userId gets 202 filtered and nothing is appended; unban restores', async () => {
    const viewer = await watch(await mint('guest:viewer'));
    await moderate('ban', 'twitch:troll');
    const before = await head();
    expect(await post('let me in', 'troll', 'twitch')).toEqual(filtered);
    expect(await head()).toBe(before);
    // Only that platform's user is banned.
    expect(await post('other platform', 'troll', 'youtube')).toEqual(queued);
    expect(await post('no source, so webhook:troll', 'troll')).toEqual(queued);
    await moderate('unban', 'twitch:troll');
    expect(await post('back again', 'troll', 'twitch')).toEqual(queued);
    await viewer.waitFor((t) => t.includes('back again'), 'the unbanned message');
    expect(viewer.texts()).toEqual(['other platform', 'no source, so webhook:troll', 'back again']);
    viewer.close();
  });

  it('a muted source:userId gets 202 filtered; unmute restores', async () => {
    const viewer = await watch(await mint('guest:viewer'));
    await moderate('mute', 'discord:chatty');
    const before = await head();
    expect(await post('shh', 'chatty', 'discord')).toEqual(filtered);
    expect(await head()).toBe(before);
    await moderate('unmute', 'discord:chatty');
    expect(await post('allowed again', 'chatty', 'discord')).toEqual(queued);
    await viewer.waitFor((t) => t.includes('allowed again'), 'the unmuted message');
    expect(viewer.texts()).toEqual(['allowed again']);
    viewer.close();
  });

  it('a stealth-banned sender gets 202 queued; only moderators and the sender’s own sockets see the message', async () => {
    const everyone = await watch(await mint('guest:viewer'));
    const modByToken = await watch(await mint('guest:volunteer', ['moderator']));
    const modByIdentity = await watch(await server.identity('discord:helper'));
    const ownerSocket = await watch(await server.identity('discord:mod-owner'));
    const sender = await watch(await mint('youtube:sneaky'));
    const senderTwin = await watch(await mint('youtube:sneaky'));
    const lookalike = await watch(await mint('twitch:sneaky'));
    await moderate('stealth', 'youtube:sneaky');

    const before = await head();
    expect(await post('only some see this', 'sneaky', 'youtube')).toEqual(queued);
    expect(await head()).toBe(before + 1);
    expect(await post('everyone sees this', 'fan', 'youtube')).toEqual(queued);

    const privileged = [modByToken, modByIdentity, ownerSocket, sender, senderTwin];
    for (const v of privileged) await v.waitFor((t) => t.includes('everyone sees this'), 'both messages');
    for (const v of privileged) expect(v.texts()).toEqual(['only some see this', 'everyone sees this']);
    for (const v of [everyone, lookalike]) {
      await v.waitFor((t) => t.includes('everyone sees this'), 'the public message');
      expect(v.texts()).toEqual(['everyone sees this']);
    }
    // The stealth action itself is shown to moderators only, never to its target.
    expect(modByToken.frames.some((f) => f.t === 'mod' && f.action === 'stealth' && f.target === 'youtube:sneaky')).toBe(true);
    for (const v of [everyone, sender, lookalike]) expect(v.frames.some((f) => f.t === 'mod' && f.action === 'stealth')).toBe(false);

    // Unban lifts the stealth ban: the next message reaches everyone.
    await moderate('unban', 'youtube:sneaky');
    expect(await post('visible again', 'sneaky', 'youtube')).toEqual(queued);
    for (const v of [everyone, lookalike, modByToken, sender]) await v.waitFor((t) => t.includes('visible again'), 'the message after unban');
    expect(everyone.texts()).toEqual(['everyone sees this', 'visible again']);
    for (const v of [everyone, modByToken, modByIdentity, ownerSocket, sender, senderTwin, lookalike]) v.close();
  });

  it('a stealth message reaches the sender on a socket opened later (replay), and not an ordinary late viewer', async () => {
    await moderate('stealth', 'kick:ghost');
    expect(await post('ghost writes', 'ghost', 'kick')).toEqual(queued);
    expect(await post('then someone else', 'fan', 'kick')).toEqual(queued);
    const probe = await watch(await mint('guest:probe'));
    const hello = probe.frames.find((f) => f.t === 'hello') as { seq: number };
    probe.close();
    const since = hello.seq - 2; // the two messages are the room's last two events
    const resume = async (token: string) => {
      const v = await new Promise<Viewer>((resolve, reject) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?room=${room}&token=${encodeURIComponent(token)}&since=${since}`);
        const frames: ServerFrame[] = [];
        ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as ServerFrame));
        ws.once('error', reject);
        ws.once('open', () => {
          const texts = () => frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.payload.text as string);
          resolve({ frames, texts, waitFor: (check, what) => until(() => check(texts()), what), close: () => ws.close() });
        });
      });
      await v.waitFor((t) => t.includes('then someone else'), 'the replay');
      return v;
    };
    const ghost = await resume(await mint('kick:ghost'));
    const other = await resume(await mint('guest:late'));
    expect(ghost.texts()).toEqual(['ghost writes', 'then someone else']);
    expect(other.texts()).toEqual(['then someone else']);
    ghost.close();
    other.close();
  });
});
