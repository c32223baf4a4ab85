import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { httpRequest } from './testing/http-request.js';
import { createStreamRoom, mintRoomToken } from './testing/stream-room.js';
import { until } from './testing/until.js';
import { openRawWs } from '@parley/infra/realtime/testing';

/*
 * A slow consumer on the full server: a raw WebSocket that completes the upgrade and never reads
 * again is cut off with 4008 "slow consumer" once big ingress messages pile up for it (default
 * limit: 1 MiB buffered), while a normal client in the same room receives every message in order.
 */

let server: TestServer;
const patienceMs = 20_000;

/** One chat message through ingress, from the client address `from`; resolves with the status. */
async function ingress(room: string, apiKey: string, text: string, from: string): Promise<number> {
  const body = JSON.stringify({ type: 'chat', payload: { text } });
  return (await httpRequest(`${server.url}/rooms/${room}/ingress`, body, { localAddress: from, headers: { authorization: `Bearer ${apiKey}` } })).status;
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('realtime: slow consumers', () => {
  it('a socket that never reads is closed with 4008 while a normal client receives everything', async () => {
    const created = await createStreamRoom(server.url, await server.identity('discord:bp-owner'), { name: 'Firehose' });
    const { room, apiKey } = created;

    const reader = await openChatSocket(chatSocketUrl(server.url, { room, token: await mintRoomToken(server.url, created, 'guest:reader') }));
    // Upgrades, then stops reading: everything sent piles up in the kernel and in uWS.
    const stalled = await openRawWs(Number(new URL(server.url).port), `/ws?room=${room}&token=${await mintRoomToken(server.url, created, 'guest:stalled')}`);
    await until(() => server.parley.realtime.online(room) === 2, 'two viewers', patienceMs);
    const closesBefore = server.parley.realtime.metrics.slowConsumerCloses;

    const msgs = () => reader.of('msg');
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
      await until(() => msgs().length === sent, `reader at ${sent}`, patienceMs);
      if (server.parley.realtime.metrics.slowConsumerCloses > closesBefore) afterCut++;
    }
    expect(server.parley.realtime.metrics.slowConsumerCloses).toBe(closesBefore + 1);

    const seen = await stalled.readAll(10_000);
    expect({ code: seen.closeCode, reason: seen.closeReason }).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(seen.texts).toBeLessThan(sent);
    // Every message exactly once (a batch is concurrent, so its order is the server's), in seq order.
    expect(msgs().map((m) => Number((m.payload.text as string).split(':')[0])).sort((a, b) => a - b)).toEqual(Array.from({ length: sent }, (_, i) => i));
    const seqs = msgs().map((m) => m.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await until(() => server.parley.realtime.online(room) === 1, 'the stalled viewer gone', patienceMs);
    expect(reader.isOpen()).toBe(true);
    console.log(`slow consumer cut after ${seen.texts} of ${sent} frames of 60 KiB reached it`);
    await reader.close();
    stalled.socket.destroy();
  }, 60_000);
});
