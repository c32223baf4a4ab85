import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { chatSocketUrl, openChatSocket, type Frame } from './testing/chat-test-client.js';
import { httpRequest } from './testing/http-request.js';
import { createStreamRoom, mintRoomToken } from './testing/stream-room.js';
import { until } from './testing/until.js';

/*
 * Per-room order is the same for every subscriber: 300 ingress messages sent concurrently (from
 * five source IPs, 60 each, the per-IP limit) reach three WebSocket subscribers and one SSE
 * subscriber as the same frames in the same seq order, and the history endpoint agrees.
 */

let server: TestServer;
const patienceMs = 15_000;

function subscribeSse(url: string): Promise<{ frames: Frame[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const frames: Frame[] = [];
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const data = text.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
          text = text.slice(end + 2);
          if (data) frames.push(JSON.parse(data.slice(6)) as Frame);
        }
      });
      void until(() => frames.length > 0, 'sse hello', patienceMs).then(() => resolve({ frames, close: () => req.destroy() }), reject);
    });
    req.on('error', reject);
  });
}

/** One ingress request from the client address `from`; resolves with `<status> <body>`. */
async function ingress(room: string, apiKey: string, body: string, from: string): Promise<string> {
  const { status, text } = await httpRequest(`${server.url}/rooms/${room}/ingress`, body, { localAddress: from, headers: { authorization: `Bearer ${apiKey}` } });
  return `${status} ${text}`;
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('realtime: one order for every subscriber', () => {
  it('300 concurrent ingress messages reach three WebSocket subscribers and an SSE subscriber in the same seq order', async () => {
    const created = await createStreamRoom(server.url, await server.identity('discord:order-owner'), { name: 'Ordered' });
    const { room, apiKey } = created;
    const mint = (user: string) => mintRoomToken(server.url, created, user);
    const subscribe = async (user: string) => openChatSocket(chatSocketUrl(server.url, { room, token: await mint(user) }), { waitMs: patienceMs });
    const subscribers = await Promise.all([
      subscribe('guest:s1'),
      subscribe('guest:s2'),
      subscribe('guest:s3'),
      subscribeSse(`${server.url}/sse?room=${room}&token=${await mint('guest:s4')}`),
    ]);

    const total = 300;
    const sent = Array.from({ length: total }, (_, i) => `m${i}`);
    const answers = await Promise.all(
      sent.map((text, i) => ingress(room, apiKey, JSON.stringify({ type: 'chat', payload: { text, userId: `u${i % 30}`, source: 'twitch' }, meta: { i } }), `127.0.0.${10 + (i % 5)}`)),
    );
    expect(answers).toEqual(Array(total).fill('202 queued'));

    const msgs = (s: { frames: Frame[] }) => s.frames.filter((f) => f.t === 'msg');
    for (const s of subscribers) await until(() => msgs(s).length >= total, `${total} frames`, patienceMs);
    const reference = msgs(subscribers[0]!);
    expect(reference).toHaveLength(total);
    const seqs = reference.map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    // Nothing lost, nothing doubled, meta intact.
    expect(reference.map((f) => f.payload.text).sort()).toEqual([...sent].sort());
    expect(reference.every((f) => f.meta !== undefined && `m${(f.meta as { i: number }).i}` === f.payload.text)).toBe(true);
    for (const s of subscribers.slice(1)) expect(msgs(s)).toEqual(reference);

    // The timeline projection has the same order (read through the history endpoint).
    const fromHistory: string[] = [];
    let after = 0; // seq 0..2 are the room's creation events
    for (;;) {
      const res = await fetch(`${server.url}/rooms/${room}/messages?limit=200&after=${after}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { messages: Array<{ id: string; seq: number }>; has_more: boolean };
      fromHistory.push(...page.messages.map((m) => `${m.seq}:${m.id}`));
      if (!page.has_more) break;
      after = page.messages.at(-1)!.seq;
    }
    expect(fromHistory).toEqual(reference.map((f) => `${f.seq}:${f.id}`));
    await Promise.all(subscribers.map((s) => s.close()));
  }, 60_000);
});
