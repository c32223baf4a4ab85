import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { testClock } from './testing/test-clock.js';
import { jsonCall } from './testing/json-call.js';
import { chatSocketUrl, openChatSocket, until, type ChatSocket } from './testing/chat-test-client.js';

/*
 * Chat sent over the socket counts against the same per-IP limit as webhook ingress (60 per 10 s
 * per source address), besides the per-user one: four users on one address share 60 sends; a
 * fifth user on another address (the client binds 127.0.0.2, all of 127/8 being loopback on
 * Linux) is unaffected. The server runs on a frozen injected clock, so no window slides mid-test.
 */

let server: TestServer;
const { now, freezeOnSecond } = testClock();

/** A chat socket of `room` bound to `localAddress` (its client IP as the server sees it). */
const connect = (room: string, token: string, localAddress = '127.0.0.1') => openChatSocket(chatSocketUrl(server.url, { room, token }), { localAddress });
const say = (socket: ChatSocket, text: string, nonce: string) => socket.send({ t: 'send', text, nonce });

beforeAll(async () => {
  server = await startTestServer({}, { now });
});

afterAll(async () => {
  await server?.stop();
});

describe('realtime: socket sends and the per-IP limit', () => {
  it('60 sends in 10 s from one address pass whoever sends them, the 61st gets rate_limited; another address is unaffected', async () => {
    freezeOnSecond();
    const owner = await server.identity('discord:send-limits-owner');
    const created = (await jsonCall(server.url, 'POST', '/rooms', owner, { name: 'Busy address' })).body;
    const mint = async (userId: string) => (await jsonCall(server.url, 'POST', `/rooms/${created.room}/tokens`, created.api_key, { user_id: userId, display_name: userId })).body.token as string;
    const users = ['twitch:u1', 'twitch:u2', 'twitch:u3', 'twitch:u4'];
    const sockets = await Promise.all(users.map(async (u) => connect(created.room, await mint(u))));
    const watcher = sockets[0]!;
    const msgs = () => watcher.frames.filter((f) => f.t === 'msg').length;
    // 15 each: under the per-user limit of 20, 60 in all from 127.0.0.1.
    for (let i = 0; i < 15; i++) sockets.forEach((s, k) => say(s, `${users[k]} ${i}`, `${k}-${i}`));
    await until(() => msgs() === 60, '60 messages', 10_000);

    say(sockets[0]!, 'one too many for this address', 'over');
    await until(() => sockets[0]!.frames.some((f) => f.t === 'error'), 'the refusal');
    expect(sockets[0]!.frames.filter((f) => f.t === 'error')).toEqual([{ t: 'error', code: 'rate_limited', message: expect.stringMatching(/retry in 10 s/), nonce: 'over' }]);

    const elsewhere = await connect(created.room, await mint('twitch:u5'), '127.0.0.2');
    say(elsewhere, 'from another address', 'fine');
    await until(() => msgs() === 61, 'the message from 127.0.0.2');
    expect(watcher.frames.filter((f) => f.t === 'msg').map((f) => f.payload.text)).not.toContain('one too many for this address');
    expect(elsewhere.frames.filter((f) => f.t === 'error')).toEqual([]);
    await Promise.all([...sockets, elsewhere].map((s) => s.close()));
  });
});
