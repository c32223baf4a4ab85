import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { openRawWs } from '@parley/infra/realtime/testing';

/*
 * A slow consumer on the full server: a raw WebSocket that completes the upgrade and never reads
 * again is cut off with 4008 "slow consumer" once big ingress messages pile up for it (default
 * limit: 1 MiB buffered), while a normal client in the same room receives every message in order.
 */

let server: TestServer;

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Upgrades, then stops reading: everything sent piles up in the kernel and in uWS. */
function ingress(room: string, apiKey: string, text: string, from: string): Promise<number> {
  const body = JSON.stringify({ type: 'chat', payload: { text } });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: new URL(server.url).port, path: `/rooms/${room}/ingress`, method: 'POST', agent: false, localAddress: from, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
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

describe('realtime: slow consumers', () => {
  it('a socket that never reads is closed with 4008 while a normal client receives everything', async () => {
    const owner = await server.identity('discord:bp-owner');
    const created = await fetch(`${server.url}/rooms`, { method: 'POST', headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Firehose' }) });
    const { room, api_key: apiKey } = (await created.json()) as { room: string; api_key: string };
    const mint = async (user: string) => {
      const res = await fetch(`${server.url}/rooms/${room}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: user, display_name: user }) });
      return ((await res.json()) as { token: string }).token;
    };

    const frames: ServerFrame[] = [];
    const reader = new WebSocket(`${server.url.replace('http', 'ws')}/ws?room=${room}&token=${await mint('guest:reader')}`);
    reader.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    await new Promise((r) => reader.once('open', r));
    const stalled = await openRawWs(Number(new URL(server.url).port), `/ws?room=${room}&token=${await mint('guest:stalled')}`);
    await until(() => server.parley.realtime.online(room) === 2, 'two viewers');
    const closesBefore = server.parley.realtime.metrics.slowConsumerCloses;

    const msgs = () => frames.filter((f): f is MsgFrame => f.t === 'msg');
    const big = 'b'.repeat(60 * 1024);
    const batch = 10;
    let sent = 0;
    // Post in small concurrent batches (spread over five source IPs, the per-IP limit being 60 / 10 s)
    // and let the reader catch up after each, as a real reader would; stop a little after the cut.
    let afterCut = 0;
    while (sent < 300 && afterCut < 3) {
      const statuses = await Promise.all(Array.from({ length: batch }, (_, k) => ingress(room, apiKey, `${sent + k}:${big}`, `127.0.0.${50 + ((sent + k) % 5)}`)));
      expect(statuses).toEqual(Array(batch).fill(202));
      sent += batch;
      await until(() => msgs().length === sent, `reader at ${sent}`);
      if (server.parley.realtime.metrics.slowConsumerCloses > closesBefore) afterCut++;
    }
    expect(server.parley.realtime.metrics.slowConsumerCloses).toBe(closesBefore + 1);

    const seen = await stalled.readAll(10_000);
    expect({ code: seen.closeCode, reason: seen.closeReason }).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(seen.texts).toBeLessThan(sent);
    // Every message exactly once (a batch is concurrent, so its order is the server's), in seq order.
    expect(msgs().map((m) => Number((m.payload.text as string).split(':')[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: sent }, (_, i) => i));
    const seqs = msgs().map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await until(() => server.parley.realtime.online(room) === 1, 'the stalled viewer gone');
    expect(reader.readyState).toBe(WebSocket.OPEN);
    console.log(`slow consumer cut after ${seen.texts} of ${sent} frames of 60 KiB reached it`);
    reader.close();
    stalled.socket.destroy();
  }, 60_000);
});
