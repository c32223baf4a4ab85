import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * Per-room order is the same for every subscriber: 300 ingress messages sent concurrently (from
 * five source IPs, 60 each, the per-IP limit) reach three WebSocket subscribers and one SSE
 * subscriber as the same frames in the same seq order, and the history endpoint agrees.
 */

let server: TestServer;

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function subscribe(url: string): Promise<{ frames: ServerFrame[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: ServerFrame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    ws.once('error', reject);
    ws.once('open', () => void until(() => frames.length > 0, 'hello').then(() => resolve({ frames, close: () => ws.close() }), reject));
  });
}

function subscribeSse(url: string): Promise<{ frames: ServerFrame[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const frames: ServerFrame[] = [];
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const data = text.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
          text = text.slice(end + 2);
          if (data) frames.push(JSON.parse(data.slice(6)) as ServerFrame);
        }
      });
      void until(() => frames.length > 0, 'sse hello').then(() => resolve({ frames, close: () => req.destroy() }), reject);
    });
    req.on('error', reject);
  });
}

function ingress(room: string, apiKey: string, body: string, from: string): Promise<string> {
  const url = new URL(`${server.url}/rooms/${room}/ingress`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, localAddress: from, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('realtime: one order for every subscriber', () => {
  it('300 concurrent ingress messages reach three WebSocket subscribers and an SSE subscriber in the same seq order', async () => {
    const ownerToken = await server.identity('discord:order-owner');
    const created = await fetch(`${server.url}/rooms`, { method: 'POST', headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ordered' }) });
    const { room, api_key: apiKey } = (await created.json()) as { room: string; api_key: string };
    const mint = async (user: string) => {
      const res = await fetch(`${server.url}/rooms/${room}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: user, display_name: user }) });
      return ((await res.json()) as { token: string }).token;
    };
    const ws = server.url.replace('http', 'ws');
    const subscribers = await Promise.all([
      subscribe(`${ws}/ws?room=${room}&token=${await mint('guest:s1')}`),
      subscribe(`${ws}/ws?room=${room}&token=${await mint('guest:s2')}`),
      subscribe(`${ws}/ws?room=${room}&token=${await mint('guest:s3')}`),
      subscribeSse(`${server.url}/sse?room=${room}&token=${await mint('guest:s4')}`),
    ]);

    const total = 300;
    const sent = Array.from({ length: total }, (_, i) => `m${i}`);
    const answers = await Promise.all(
      sent.map((text, i) => ingress(room, apiKey, JSON.stringify({ type: 'chat', payload: { text, userId: `u${i % 30}`, source: 'twitch' }, meta: { i } }), `127.0.0.${10 + (i % 5)}`)),
    );
    expect(answers).toEqual(Array(total).fill('202 queued'));

    const msgs = (s: { frames: ServerFrame[] }) => s.frames.filter((f): f is MsgFrame => f.t === 'msg');
    for (const s of subscribers) await until(() => msgs(s).length >= total, `${total} frames`);
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
    for (const s of subscribers) s.close();
  }, 60_000);
});
