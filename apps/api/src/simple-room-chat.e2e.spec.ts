import { roomStream } from '@parley/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChatRoom } from './application/simple-room-chat-room.js';
import { roomStoreOf } from './application/simple-rooms.js';
import { chatSocketUrl, refusedStatus, type Frame } from './testing/chat-test-client.js';
import { startSimpleRoomChat, type SimpleRoomChat } from './testing/simple-room-chat.js';
import type { Account } from './surfaces/simple-rooms/test-client.js';

/*
 * Chat in simple rooms over real HTTP and WebSocket: simple room `<id>` chats as stream room
 * `sr-<id>` on the same realtime nodes and timeline as stream rooms.
 */

let chat: SimpleRoomChat;
let ryo: Account; // admin
let alice: Account;
let bob: Account;
let carol: Account;
let dave: Account;

beforeAll(async () => {
  chat = await startSimpleRoomChat();
  [ryo, alice, bob, carol, dave] = await chat.register('ryo', 'Alice', 'bob', 'carol', 'dave');
});
afterAll(() => chat?.stop());

const createPrivate = (creator: Account, members: string[]) => chat.http.createRoom(creator, { type: 'private', members });
const createPublic = (name: string) => chat.http.createRoom(ryo, { type: 'public', name });
const post = (account: Account, id: string, body: unknown) => chat.http.as(account, 'POST', `/api/rooms/${id}/messages`, body);
const messages = (frames: Frame[]) => frames.filter((f) => f.t === 'msg');

describe('private room', () => {
  it('members chat live over REST and WebSocket and read it back from history', async () => {
    const id = await createPrivate(alice, ['bob']);
    const [a, b] = [await chat.join(id, alice), await chat.join(id, bob)];
    expect(a.of('hello')[0]).toMatchObject({ room: `sr-${id}`, you: { userId: 'username:alice', roles: [] } });
    expect(b.of('hello')[0]!.you.userId).toBe('username:bob');

    const before = Date.now();
    const sent = await post(alice, id, { text: 'hello bob', meta: { color: 'teal' } });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ message: { id: expect.any(String), seq: expect.any(Number), username: 'Alice', text: 'hello bob', createdAt: expect.any(Number), meta: { color: 'teal' } } });
    expect(sent.body.message.createdAt).toBeGreaterThanOrEqual(before);

    b.send({ t: 'send', text: 'hi alice', nonce: 'n1' });
    for (const socket of [a, b]) await socket.waitFor((f) => messages(f).length === 2, 'both messages on every socket');
    const [first, second] = messages(b.frames) as [Frame, Frame];
    expect(first).toMatchObject({ room: `sr-${id}`, id: sent.body.message.id, seq: sent.body.message.seq, sender: 'username:alice', payload: { text: 'hello bob', displayName: 'Alice' }, meta: { color: 'teal' } });
    expect(second).toMatchObject({ sender: 'username:bob', payload: { text: 'hi alice', displayName: 'bob' } });
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(messages(a.frames)).toEqual(messages(b.frames));
    expect(b.of('error')).toEqual([]);

    const history = await chat.http.as(bob, 'GET', `/api/rooms/${id}/messages`);
    expect(history.status).toBe(200);
    expect(history.body).toEqual({
      messages: [
        { id: first.id, seq: first.seq, username: 'Alice', text: 'hello bob', createdAt: first.ts, meta: { color: 'teal' } },
        { id: second.id, seq: second.seq, username: 'bob', text: 'hi alice', createdAt: second.ts },
      ],
      hasMore: false,
    });
    // Reads work with the token alone, like every simple-rooms read.
    expect((await chat.http.call('GET', `/api/rooms/${id}/messages`, { token: alice.token })).body.messages).toHaveLength(2);
  });

  it('pages history with before, after and limit', async () => {
    const id = await createPrivate(alice, ['bob']);
    const seqs: number[] = [];
    for (let i = 1; i <= 5; i++) seqs.push((await post(i % 2 ? alice : bob, id, { text: `m${i}` })).body.message.seq);
    const page = async (query: string) => (await chat.http.as(alice, 'GET', `/api/rooms/${id}/messages?${query}`)).body;
    const texts = (body: { messages: { text: string }[] }) => body.messages.map((m) => m.text);
    expect(texts(await page('limit=2'))).toEqual(['m4', 'm5']);
    expect((await page('limit=2')).hasMore).toBe(true);
    expect(texts(await page(`limit=2&before=${seqs[3]}`))).toEqual(['m2', 'm3']);
    expect(texts(await page(`after=${seqs[2]}`))).toEqual(['m4', 'm5']);
    expect(await page(`after=${seqs[2]}`)).toMatchObject({ hasMore: false });
    for (const bad of ['limit=0', 'limit=201', 'before=-1', 'after=x']) {
      expect(await chat.http.as(alice, 'GET', `/api/rooms/${id}/messages?${bad}`)).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    }
  });

  it('a non-member gets 404 on history and post, and is refused at connect; nothing is appended', async () => {
    const id = await createPrivate(alice, ['bob']);
    expect((await post(alice, id, { text: 'members only' })).status).toBe(201);
    const mark = await chat.head();
    for (const outsider of [carol, ryo]) {
      expect(await chat.http.as(outsider, 'GET', `/api/rooms/${id}/messages`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await post(outsider, id, { text: 'let me in' })).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await refusedStatus(chat.wsUrl(id, outsider.token))).toBe(404);
    }
    expect(await chat.http.call('GET', `/api/rooms/${id}/messages`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
    expect(await chat.http.call('POST', `/api/rooms/${id}/messages`, { body: { text: 'anonymous' } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await refusedStatus(chat.wsUrl(id))).toBe(401);
    expect(await refusedStatus(chat.wsUrl(id, 'not-a-token'))).toBe(401);
    expect(await refusedStatus(chatSocketUrl(chat.server.url, { room: `sr-${id}`, guest: '1' }))).toBe(401);
    // An identity token of another provider names no account.
    expect(await refusedStatus(chat.wsUrl(id, await chat.server.identity('discord:alice')))).toBe(401);
    expect(await chat.head()).toBe(mark);
  });

  it('a member who leaves is disconnected (4403) and can no longer connect, read or post', async () => {
    const id = await createPrivate(alice, ['bob', 'carol']);
    const [a, c] = [await chat.join(id, alice), await chat.join(id, carol)];
    expect((await post(bob, id, { text: 'while carol is here' })).status).toBe(201);
    await c.waitFor((f) => messages(f).length === 1, 'the first message');
    expect((await chat.http.as(carol, 'POST', `/api/rooms/${id}/leave`)).status).toBe(200);
    expect(await c.closedWith()).toBe(4403);
    expect(await refusedStatus(chat.wsUrl(id, carol.token))).toBe(404);
    expect((await post(carol, id, { text: 'still here?' })).status).toBe(404);
    expect((await chat.http.as(carol, 'GET', `/api/rooms/${id}/messages`)).status).toBe(404);
    // The two who stay still chat, live; carol's old socket got nothing more.
    expect((await post(bob, id, { text: 'just us' })).status).toBe(201);
    await a.waitFor((f) => messages(f).length === 2, 'both messages for alice');
    expect(messages(c.frames).map((m) => m.payload.text)).toEqual(['while carol is here']);
  });

  it('removing the room (≤ 1 member left) stops its chat everywhere', async () => {
    const id = await createPrivate(alice, ['bob']);
    const b = await chat.join(id, bob);
    expect((await post(bob, id, { text: 'before' })).status).toBe(201);
    expect((await chat.http.as(alice, 'DELETE', `/api/rooms/${id}`)).status).toBe(200);
    expect((await chat.http.as(bob, 'GET', `/api/rooms/${id}`)).status).toBe(404);
    for (const member of [alice, bob]) {
      expect(await post(member, id, { text: 'after' })).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await chat.http.as(member, 'GET', `/api/rooms/${id}/messages`)).toMatchObject({ status: 404, body: { error: 'Room not found' } });
      expect(await refusedStatus(chat.wsUrl(id, member.token))).toBe(404);
    }
    expect(await b.closedWith()).toBe(4403);
    expect(messages(b.frames).map((m) => m.payload.text)).toEqual(['before']);
  });
});

describe('public room', () => {
  it('any account chats without joining; anyone reads history; sockets need an account', async () => {
    const id = await createPublic('Town square');
    const c = await chat.join(id, carol);
    const sent = await post(dave, id, { text: 'hi all' });
    expect(sent).toMatchObject({ status: 201, body: { message: { username: 'dave', text: 'hi all' } } });
    await c.waitFor((f) => messages(f).length === 1, 'dave\'s message');
    expect(messages(c.frames)[0]).toMatchObject({ id: sent.body.message.id, seq: sent.body.message.seq, sender: 'username:dave' });
    c.send({ t: 'send', text: 'hello dave' });
    await c.waitFor((f) => messages(f).length === 2, 'carol\'s own message');
    const anonymous = await chat.http.call('GET', `/api/rooms/${id}/messages`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.messages.map((m: { username: string; text: string }) => `${m.username}: ${m.text}`)).toEqual(['dave: hi all', 'carol: hello dave']);
    expect(await refusedStatus(chat.wsUrl(id))).toBe(401);
    expect(await refusedStatus(chatSocketUrl(chat.server.url, { room: `sr-${id}`, guest: '1' }))).toBe(401);
  });

  it('a deleted public room has no chat: open sockets are closed (4403)', async () => {
    const id = await createPublic('Short-lived');
    const c = await chat.join(id, carol);
    expect((await post(bob, id, { text: 'x' })).status).toBe(201);
    expect((await chat.http.as(ryo, 'DELETE', `/api/rooms/${id}`)).status).toBe(200);
    expect(await c.closedWith()).toBe(4403);
    expect((await post(bob, id, { text: 'y' })).status).toBe(404);
    expect((await chat.http.call('GET', `/api/rooms/${id}/messages`)).status).toBe(404);
    expect(await refusedStatus(chat.wsUrl(id, bob.token))).toBe(404);
  });
});

describe('the chat room behind a simple room', () => {
  it('is opened with the simple room, once; a retry appends nothing', async () => {
    const id = await createPrivate(alice, ['bob']);
    const stream = roomStream(`sr-${id}`);
    const opened = await chat.server.parley.ctx.store.readStream(stream);
    expect(opened.map((e) => e.type)).toEqual(['RoomCreated', 'ApiKeyIssued', 'WebhookSecretSet', 'RoomUpdated']);
    expect(opened[0]!.data).toMatchObject({ roomId: `sr-${id}`, owner: 'system:simple-rooms', allowedProviders: [], maxViewers: null });
    expect(opened[3]!.data).toMatchObject({ filterEnabled: true });
    const room = await roomStoreOf(chat.server.parley.ctx).state(id);
    if (room.status !== 'open') throw new Error('room not open');
    const mark = await chat.head();
    await ensureChatRoom(chat.server.parley.ctx, room.room);
    expect(await chat.head()).toBe(mark);
  });

  it('is opened on first use when the simple room has none (a lost append), with the same events', async () => {
    const ctx = chat.server.parley.ctx;
    const id = 'lostchat0001';
    const created = await roomStoreOf(ctx).execute(id, { type: 'CreateRoom', roomId: id, roomType: 'public', name: 'Old room', actor: 'ryo', admins: ctx.config.PARLEY_ADMINS, at: ctx.now() });
    expect('state' in created).toBe(true);
    expect(await ctx.store.readStream(roomStream(`sr-${id}`))).toEqual([]);
    expect((await post(bob, id, { text: 'first words' })).status).toBe(201);
    expect((await ctx.store.readStream(roomStream(`sr-${id}`))).map((e) => e.type)).toEqual(['RoomCreated', 'ApiKeyIssued', 'WebhookSecretSet', 'RoomUpdated', 'ChatMessagePosted']);
  });

  it('cannot be reached through the stream-room credentials: no room token, no ingress', async () => {
    const id = await createPublic('Closed doors');
    const stranger = await chat.server.identity('discord:stranger');
    const mint = await fetch(`${chat.server.url}/rooms/sr-${id}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${stranger}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'x', display_name: 'x' }) });
    expect(mint.status).toBe(403);
    const ingress = await fetch(`${chat.server.url}/rooms/sr-${id}/ingress`, { method: 'POST', headers: { authorization: 'Bearer sk_live_guessed', 'content-type': 'application/json' }, body: JSON.stringify({ type: 'chat', payload: { text: 'spam' } }) });
    expect(ingress.status).toBe(401);
    expect((await chat.http.call('GET', `/api/rooms/${id}/messages`)).body.messages).toEqual([]);
  });
});
