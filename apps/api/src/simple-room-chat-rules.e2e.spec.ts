import { createTRPCClient, httpLink } from '@trpc/client';
import { roomStream } from '@parley/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedStatus, type Frame } from './testing/chat-test-client.js';
import { freshIp, type Account } from './surfaces/simple-rooms/test-client.js';
import { startSimpleRoomChat, type SimpleRoomChat } from './testing/simple-room-chat.js';
import type { AppRouter } from './trpc/index.js';

/*
 * The chat rules of every room, applied to simple-room chat over real HTTP and WebSocket: the
 * per-user limit (one budget for REST and sockets), the word filter, moderation of the chat
 * room, Idempotency-Key, bad input; plus tRPC and the OpenAPI document.
 */

let chat: SimpleRoomChat;
let ryo: Account; // admin
let alice: Account;
let bob: Account;
let carol: Account;
let dave: Account;

beforeAll(async () => {
  chat = await startSimpleRoomChat();
  [ryo, alice, bob, carol, dave] = await chat.register('ryo', 'alice', 'bob', 'carol', 'dave');
});
afterAll(() => chat?.stop());

const createPublic = (name: string) => chat.http.createRoom(ryo, { type: 'public', name });
const createPrivate = (creator: Account, members: string[]) => chat.http.createRoom(creator, { type: 'private', members });
const post = (account: Account, id: string, body: unknown, headers: Record<string, string> = {}) =>
  chat.http.call('POST', `/api/rooms/${id}/messages`, { token: account.token, username: account.username, body, headers });
const texts = async (account: Account | null, id: string) => {
  const res = account ? await chat.http.as(account, 'GET', `/api/rooms/${id}/messages`) : await chat.http.call('GET', `/api/rooms/${id}/messages`);
  expect(res.status).toBe(200);
  return res.body.messages.map((m: { text: string }) => m.text) as string[];
};
const messages = (frames: Frame[]) => frames.filter((f) => f.t === 'msg');

/** As the operator: an identity token for the chat rooms' owner, minted like the admin CLI mints one. */
const moderate = async (id: string, action: string, target: string) => {
  const token = await chat.server.identity('system:simple-rooms');
  const res = await fetch(`${chat.server.url}/rooms/sr-${id}/moderation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action, target }),
  });
  expect(res.status).toBe(200);
};

describe('the per-user limit', () => {
  it('20 messages per 10 s per user and room, one budget for REST and the socket', async () => {
    const id = await createPublic('Busy');
    const d = await chat.join(id, dave);
    for (let i = 1; i <= 15; i++) expect((await post(dave, id, { text: `rest ${i}` })).status).toBe(201);
    for (let i = 1; i <= 5; i++) d.send({ t: 'send', text: `socket ${i}` });
    await d.waitFor((f) => messages(f).length === 20, 'twenty messages');
    const mark = await chat.head();
    const limited = await post(dave, id, { text: 'one too many' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'Rate limit exceeded' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-bucket')).toBe('room-messages');
    d.send({ t: 'send', text: 'socket too many', nonce: 'over' });
    await d.waitFor((f) => f.some((x) => x.t === 'error'), 'an error frame');
    expect(d.of('error')[0]).toMatchObject({ code: 'rate_limited', nonce: 'over' });
    expect(await chat.head()).toBe(mark);
    // Other users, and the same user elsewhere, have their own budgets.
    expect((await post(bob, id, { text: 'I can still talk' })).status).toBe(201);
    expect((await post(dave, await createPublic('Elsewhere'), { text: 'and here' })).status).toBe(201);
    expect((await texts(null, id)).filter((t) => t.includes('too many'))).toEqual([]);
  });
});

describe('the word filter and moderation', () => {
  it('the word filter stops a message on every path; it is not stored', async () => {
    const id = await createPrivate(alice, ['bob']);
    const b = await chat.join(id, bob);
    const mark = await chat.head();
    expect(await post(alice, id, { text: 'what a load of bullshit' })).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    b.send({ t: 'send', text: 'bullshit indeed', nonce: 'rude' });
    await b.waitFor((f) => f.some((x) => x.t === 'error'), 'an error frame');
    expect(b.of('error')[0]).toMatchObject({ code: 'filtered', nonce: 'rude' });
    expect(await chat.head()).toBe(mark);
    expect((await post(alice, id, { text: 'a perfectly nice sentence' })).status).toBe(201);
    expect(await texts(bob, id)).toEqual(['a perfectly nice sentence']);
  });

  it('bans, mutes and stealth bans of the chat room apply', async () => {
    const id = await createPublic('Moderated');
    const watcher = await chat.join(id, alice);
    await moderate(id, 'ban', 'username:dave');
    await moderate(id, 'mute', 'username:bob');
    await moderate(id, 'stealth', 'username:carol');

    expect(await post(dave, id, { text: 'banned words' })).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await chat.http.as(dave, 'GET', `/api/rooms/${id}/messages`)).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await refusedStatus(chat.wsUrl(id, dave.token))).toBe(403);

    expect(await post(bob, id, { text: 'muted words' })).toMatchObject({ status: 403, body: { error: 'Forbidden' } });
    expect(await texts(bob, id)).toEqual([]);

    const c = await chat.join(id, carol);
    expect((await post(carol, id, { text: 'stealthy words' })).status).toBe(201);
    expect((await post(alice, id, { text: 'visible words' })).status).toBe(201);
    await c.waitFor((f) => messages(f).length === 2, 'carol sees her own message and alice\'s');
    await watcher.waitFor((f) => messages(f).length === 1, 'alice\'s message');
    expect(messages(watcher.frames).map((m) => m.payload.text)).toEqual(['visible words']);
    expect(await texts(carol, id)).toEqual(['stealthy words', 'visible words']);
    expect(await texts(alice, id)).toEqual(['visible words']);
    expect(await texts(null, id)).toEqual(['visible words']);
  });
});

describe('Idempotency-Key and bad input', () => {
  it('a retried post returns the first message and appends nothing', async () => {
    const id = await createPrivate(alice, ['bob']);
    const first = await post(alice, id, { text: 'once' }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    const mark = await chat.head();
    const retry = await post(alice, id, { text: 'once' }, { 'idempotency-key': 'k-1' });
    expect(retry).toMatchObject({ status: 201, body: first.body });
    expect(await chat.head()).toBe(mark);
    // The key is the sender's own: another member with the same key posts a new message.
    expect((await post(bob, id, { text: 'once' }, { 'idempotency-key': 'k-1' })).body.message.id).not.toBe(first.body.message.id);
    expect(await texts(alice, id)).toEqual(['once', 'once']);
  });

  it('answers bad input with the simple-rooms errors and changes nothing', async () => {
    const id = await createPrivate(alice, ['bob']);
    const mark = await chat.head();
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 42 }, { text: ['x'] }, '{"text":', 'null']) {
      expect(await post(alice, id, body)).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    }
    expect(await post(alice, id, { text: 'x'.repeat(70_000) })).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    expect(await post(alice, id, { text: 'ok' }, { 'idempotency-key': 'k'.repeat(201) })).toMatchObject({ status: 400, body: { error: 'Invalid request' } });
    expect(await chat.http.call('POST', `/api/rooms/${id}/messages`, { token: alice.token, body: { text: 'no X-Username' } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await chat.http.call('POST', `/api/rooms/${id}/messages`, { token: alice.token, username: 'bob', body: { text: 'not me' } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await chat.http.call('POST', `/api/rooms/${id}/messages`, { token: 'forged.token.here', username: 'alice', body: { text: 'forged' } })).toMatchObject({ status: 401, body: { error: 'Authentication required' } });
    expect(await post(alice, 'no-such-room', { text: 'hello?' })).toMatchObject({ status: 404, body: { error: 'Room not found' } });
    expect(await chat.head()).toBe(mark);
  });

  it('a logged-out session’s socket is closed with 4403, and nothing it sends after the logout is posted', async () => {
    const eve = await chat.http.register('eve');
    const id = await createPrivate(alice, ['eve']);
    const e = await chat.join(id, eve);
    const out = await chat.http.call('POST', '/api/auth/logout', { token: eve.token, body: { refreshToken: eve.refreshToken }, ip: freshIp() });
    expect(out.status).toBe(200);
    e.send({ t: 'send', text: 'after logout', nonce: 'late' });
    expect(await e.closedWith(10_000)).toBe(4403);
    // A send that reached the node before the close was refused, not posted.
    for (const error of e.of('error')) expect(error).toMatchObject({ code: 'unauthenticated', nonce: 'late' });
    const stream = await chat.server.parley.ctx.store.readStream(roomStream(`sr-${id}`));
    expect(JSON.stringify(stream)).not.toContain('after logout');
    expect(await refusedStatus(chat.wsUrl(id, eve.token))).toBe(401);
  });
});

describe('tRPC and OpenAPI', () => {
  const trpc = (account?: Account) =>
    createTRPCClient<AppRouter>({ links: [httpLink({ url: `${chat.server.url}/trpc`, headers: () => ({ 'x-forwarded-for': freshIp(), ...(account ? { authorization: `Bearer ${account.token}` } : {}) }) })] });

  it('simpleRooms.sendMessage and simpleRooms.history run the same use cases', async () => {
    const id = await createPrivate(alice, ['bob']);
    const b = await chat.join(id, bob);
    const { message } = await trpc(alice).simpleRooms.sendMessage.mutate({ id, text: 'typed hello', meta: { n: 1 } });
    expect(message).toEqual({ id: expect.any(String), seq: expect.any(Number), username: 'alice', text: 'typed hello', createdAt: expect.any(Number), meta: { n: 1 } });
    await b.waitFor((f) => messages(f).some((m) => m.id === message.id), 'the tRPC message on the socket');
    const again = await trpc(alice).simpleRooms.sendMessage.mutate({ id, text: 'typed hello', idempotencyKey: 'trpc-1' });
    expect(await trpc(alice).simpleRooms.sendMessage.mutate({ id, text: 'typed hello', idempotencyKey: 'trpc-1' })).toEqual(again);
    const page = await trpc(bob).simpleRooms.history.query({ id, limit: 10 });
    expect(page.messages.map((m) => m.id)).toEqual([message.id, again.message.id]);
    expect(page.hasMore).toBe(false);
    await expect(trpc(carol).simpleRooms.history.query({ id })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(trpc(carol).simpleRooms.sendMessage.mutate({ id, text: 'hi' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(trpc().simpleRooms.sendMessage.mutate({ id, text: 'hi' })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(trpc(alice).simpleRooms.sendMessage.mutate({ id, text: 'bullshit' })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(trpc(alice).simpleRooms.sendMessage.mutate({ id, text: '' })).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
  });

  it('documents the messages endpoints with the one error body', async () => {
    const doc: any = await (await fetch(`${chat.server.url}/openapi.json`)).json();
    const path = doc.paths['/api/rooms/{id}/messages'];
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(path.post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SimpleRoomMessageResponse' });
    expect(path.post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SimpleRoomPostMessageBody' });
    expect(Object.keys(path.post.responses).sort()).toEqual(['201', '400', '401', '403', '404', '429']);
    expect(path.get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SimpleRoomMessages' });
    expect(path.get.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SimpleRoomsError' });
    expect(path.get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'before', 'after', 'limit']));
  });
});
