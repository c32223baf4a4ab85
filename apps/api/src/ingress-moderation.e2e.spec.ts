import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './testing/test-server.js';
import { chatSocketUrl, openChatSocket, type ChatSocket } from './testing/chat-test-client.js';
import { postToIngress } from './testing/ingress.js';
import { jsonCall } from './testing/json-call.js';
import { startModeratedRoom } from './testing/moderated-room.js';
import { mintRoomToken } from './testing/stream-room.js';

/*
 * Webhook users are moderated like anyone, by `source:userId`: a ban or mute answers `filtered`
 * and appends nothing; a stealth ban answers `queued` but only moderators and the sender's own
 * connections see the message; unban / unmute restore. Real HTTP and real WebSocket clients.
 */

let server: TestServer;
let owner: string;
let room: string;
let apiKey: string;

/** A viewer of the room on `token`; with `since`, it asks for a replay of what came after that seq. */
const watch = (token: string, since?: number) =>
  openChatSocket(chatSocketUrl(server.url, { room, token, ...(since !== undefined ? { since: String(since) } : {}) }), { waitMs: 15_000 });
/** The texts of the messages a viewer got, in order. */
const texts = (viewer: ChatSocket) => viewer.of('msg').map((f) => f.payload.text as string);
const waitForText = (viewer: ChatSocket, text: string, what: string) => viewer.waitFor(() => texts(viewer).includes(text), what);

function post(text: string, userId?: string, source?: string) {
  const payload = { text, ...(userId !== undefined ? { userId } : {}), ...(source !== undefined ? { source } : {}) };
  return postToIngress(server.url, room, JSON.stringify({ type: 'chat', payload }), { authorization: `Bearer ${apiKey}` });
}

const moderate = async (action: string, target: string) => expect((await jsonCall(server.url, 'POST', `/rooms/${room}/moderation`, owner, { action, target })).status).toBe(200);
const mint = (userId: string, roles: string[] = []) => mintRoomToken(server.url, { room, apiKey }, userId, { roles });
const head = () => server.parley.ctx.store.headPosition();
const queued = { status: 202, text: 'queued' };
const filtered = { status: 202, text: 'filtered' };

beforeAll(async () => {
  ({ server, owner, room, apiKey } = await startModeratedRoom(
    { owner: 'discord:mod-owner', moderator: 'discord:helper' },
    { name: 'Moderated ingress', allowed_providers: ['discord', 'guest'] },
  ));
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
    await waitForText(viewer, 'back again', 'the unbanned message');
    expect(texts(viewer)).toEqual(['other platform', 'no source, so webhook:troll', 'back again']);
    await viewer.close();
  });

  it('a muted source:userId gets 202 filtered; unmute restores', async () => {
    const viewer = await watch(await mint('guest:viewer'));
    await moderate('mute', 'discord:chatty');
    const before = await head();
    expect(await post('shh', 'chatty', 'discord')).toEqual(filtered);
    expect(await head()).toBe(before);
    await moderate('unmute', 'discord:chatty');
    expect(await post('allowed again', 'chatty', 'discord')).toEqual(queued);
    await waitForText(viewer, 'allowed again', 'the unmuted message');
    expect(texts(viewer)).toEqual(['allowed again']);
    await viewer.close();
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
    for (const v of privileged) await waitForText(v, 'everyone sees this', 'both messages');
    for (const v of privileged) expect(texts(v)).toEqual(['only some see this', 'everyone sees this']);
    for (const v of [everyone, lookalike]) {
      await waitForText(v, 'everyone sees this', 'the public message');
      expect(texts(v)).toEqual(['everyone sees this']);
    }
    // The stealth action itself is shown to moderators only, never to its target.
    expect(modByToken.frames.some((f) => f.t === 'mod' && f.action === 'stealth' && f.target === 'youtube:sneaky')).toBe(true);
    for (const v of [everyone, sender, lookalike]) expect(v.frames.some((f) => f.t === 'mod' && f.action === 'stealth')).toBe(false);

    // Unban lifts the stealth ban: the next message reaches everyone.
    await moderate('unban', 'youtube:sneaky');
    expect(await post('visible again', 'sneaky', 'youtube')).toEqual(queued);
    for (const v of [everyone, lookalike, modByToken, sender]) await waitForText(v, 'visible again', 'the message after unban');
    expect(texts(everyone)).toEqual(['everyone sees this', 'visible again']);
    await Promise.all([everyone, modByToken, modByIdentity, ownerSocket, sender, senderTwin, lookalike].map((v) => v.close()));
  });

  it('a stealth message reaches the sender on a socket opened later (replay), and not an ordinary late viewer', async () => {
    await moderate('stealth', 'kick:ghost');
    expect(await post('ghost writes', 'ghost', 'kick')).toEqual(queued);
    expect(await post('then someone else', 'fan', 'kick')).toEqual(queued);
    const probe = await watch(await mint('guest:probe'));
    const hello = probe.of('hello')[0]!;
    await probe.close();
    const since = hello.seq - 2; // the two messages are the room's last two events
    const resume = async (token: string) => {
      const v = await watch(token, since);
      await waitForText(v, 'then someone else', 'the replay');
      return v;
    };
    const ghost = await resume(await mint('kick:ghost'));
    const other = await resume(await mint('guest:late'));
    expect(texts(ghost)).toEqual(['ghost writes', 'then someone else']);
    expect(texts(other)).toEqual(['then someone else']);
    await ghost.close();
    await other.close();
  });
});
