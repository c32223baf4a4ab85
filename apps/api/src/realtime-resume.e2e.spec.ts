import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * Resume after a dropped connection, on the full server, while ingress keeps posting: a client
 * that reconnects with the last seq it saw (WebSocket `since=`, SSE `Last-Event-ID`) gets every
 * message it missed exactly once, in order, then live ones. Compared with a subscriber that never
 * dropped.
 */

let server: TestServer;
let room: string;
let apiKey: string;

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Sub {
  frames: ServerFrame[];
  texts(): string[];
  /** The highest seq seen on any frame: the documented resume point. */
  lastSeq(): number;
  /** SSE only: the last `id:` line, what EventSource sends back as Last-Event-ID. */
  lastEventId: string | null;
  drop(): void;
}

const texts = (frames: ServerFrame[]) => frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.payload.text as string);
const maxSeq = (frames: ServerFrame[]) => frames.reduce((m, f) => ('seq' in f && typeof f.seq === 'number' ? Math.max(m, f.seq) : m), -1);

function ws(token: string, since?: number): Promise<Sub> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?room=${room}&token=${token}${since !== undefined ? `&since=${since}` : ''}`);
    const frames: ServerFrame[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({ frames, texts: () => texts(frames), lastSeq: () => maxSeq(frames), lastEventId: null, drop: () => socket.terminate() }),
    );
  });
}

function sse(token: string, lastEventId?: string): Promise<Sub> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}/sse?room=${room}&token=${token}`, { headers: lastEventId !== undefined ? { 'last-event-id': lastEventId } : {} }, (res) => {
      expect(res.statusCode).toBe(200);
      const frames: ServerFrame[] = [];
      let buffered = '';
      const sub: Sub = { frames, texts: () => texts(frames), lastSeq: () => maxSeq(frames), lastEventId: lastEventId ?? null, drop: () => req.destroy() };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end).split('\n');
          buffered = buffered.slice(end + 2);
          const id = block.find((l) => l.startsWith('id: '));
          const data = block.find((l) => l.startsWith('data: '));
          if (id) sub.lastEventId = id.slice(4);
          if (data) frames.push(JSON.parse(data.slice(6)) as ServerFrame);
        }
      });
      resolve(sub);
    });
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

async function rest(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return (await res.json()) as any;
}

const mint = async (user: string) => (await rest('POST', `/rooms/${room}/tokens`, apiKey, { user_id: user, display_name: user })).token as string;

/** Posts `<prefix><i>` one after another through ingress (spread over four source IPs from `ipBase`), counting what was accepted. */
function poster(prefix: string, count: number, ipBase: number) {
  const state = { sent: 0, done: Promise.resolve() };
  state.done = (async () => {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({ type: 'chat', payload: { text: `${prefix}${i}` } });
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: new URL(server.url).port, path: `/rooms/${room}/ingress`, method: 'POST', agent: false, localAddress: `127.0.0.${ipBase + (i % 4)}`, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(status).toBe(202);
      state.sent++;
    }
  })();
  return state;
}

beforeAll(async () => {
  server = await startTestServer();
  const owner = await server.identity('discord:resume-owner');
  const created = await rest('POST', '/rooms', owner, { name: 'Resumable' });
  room = created.room;
  apiKey = created.api_key;
});

afterAll(async () => {
  await server?.stop();
});

describe('realtime: resume after a dropped connection', () => {
  it('WebSocket: reconnecting with since=<last seq> loses and duplicates nothing while messages keep coming', async () => {
    const reference = await ws(await mint('guest:steady'));
    const token = await mint('guest:flaky');
    const first = await ws(token);
    const total = 150;
    const posting = poster('w', total, 20);
    await until(() => first.texts().length >= 40, 'the first 40 messages');
    first.drop();
    const resumeAt = first.lastSeq();
    const seenBeforeDrop = first.texts();
    // Reconnect while posting goes on, after some messages were missed.
    await until(() => posting.sent >= seenBeforeDrop.length + 30, 'messages missed while away');
    const second = await ws(token, resumeAt);
    await posting.done;
    await until(() => reference.texts().length === total && second.texts().at(-1) === `w${total - 1}`, 'everything');

    expect(reference.texts()).toEqual(Array.from({ length: total }, (_, i) => `w${i}`));
    expect([...seenBeforeDrop, ...second.texts()]).toEqual(reference.texts());
    expect(second.frames[0]).toMatchObject({ t: 'hello' });
    expect(second.frames.some((f) => f.t === 'resync')).toBe(false);
    reference.drop();
    second.drop();
  }, 60_000);

  it('SSE: reconnecting with Last-Event-ID loses and duplicates nothing while messages keep coming', async () => {
    const reference = await ws(await mint('guest:steady2'));
    const token = await mint('guest:sse');
    const first = await sse(token);
    await until(() => first.frames.length > 0, 'hello');
    const total = 150;
    const posting = poster('s', total, 30);
    await until(() => first.texts().length >= 40, 'the first 40 messages');
    first.drop();
    const seenBeforeDrop = first.texts();
    expect(first.lastEventId).toBe(String(first.lastSeq()));
    await until(() => posting.sent >= seenBeforeDrop.length + 30, 'messages missed while away');
    const second = await sse(token, first.lastEventId!);
    await posting.done;
    const mine = (t: string[]) => t.filter((x) => x.startsWith('s'));
    await until(() => mine(reference.texts()).length === total && second.texts().at(-1) === `s${total - 1}`, 'everything');

    expect(mine(reference.texts())).toEqual(Array.from({ length: total }, (_, i) => `s${i}`));
    expect([...seenBeforeDrop, ...second.texts()]).toEqual(mine(reference.texts()));
    // Every replayed and live frame carries its seq as the event id, so the next reconnect can resume too.
    expect(second.lastEventId).toBe(String(second.lastSeq()));
    reference.drop();
    second.drop();
  }, 60_000);

  it('a reconnect from an older seq replays from there, and one from the head gets only live frames', async () => {
    const token = await mint('guest:again');
    const probe = await ws(token);
    await until(() => probe.frames.length > 0, 'hello');
    const head = probe.lastSeq();
    probe.drop();
    const replay = await ws(token, head - 9);
    const live = await ws(token, head);
    await until(() => replay.texts().length === 9, 'the last 9 replayed');
    expect(replay.texts()).toEqual(Array.from({ length: 9 }, (_, i) => `s${141 + i}`));
    const posting = poster('late', 1, 40);
    await posting.done;
    await until(() => live.texts().length === 1 && replay.texts().length === 10, 'the live message');
    expect(live.texts()).toEqual(['late0']);
    replay.drop();
    live.drop();
  });
});
