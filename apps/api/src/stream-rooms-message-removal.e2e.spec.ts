import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@parley/app-api/trpc';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { postToIngress } from './testing/ingress.js';
import { jsonCall } from './testing/json-call.js';
import { startModeratedRoom } from './testing/moderated-room.js';
import { mintRoomToken } from './testing/stream-room.js';
import type { TestServer } from './testing/test-server.js';

/*
 * Removing one message (`DELETE /rooms/{room}/messages/{messageId}` and tRPC `rooms.removeMessage`,
 * Parley extensions): who may, what viewers, history and the audit log see, and every refusal in
 * the stream-rooms error shape.
 */

let server: TestServer;
let owner: string;
let moderator: string;
let admin: string;
let room: string;
let apiKey: string;

const call = (method: string, path: string, token?: string, body?: unknown) => jsonCall(server.url, method, path, token, body);
const remove = (messageId: string, token?: string, query = '', roomId = room) => call('DELETE', `/rooms/${roomId}/messages/${encodeURIComponent(messageId)}${query}`, token);
const history = async () => (await call('GET', `/rooms/${room}/messages?limit=200`, apiKey)).body.messages as Array<{ id: string; seq: number; payload: { text: string } | null; removed: boolean }>;
const mint = (userId: string, roles: string[] = []) => mintRoomToken(server.url, { room, apiKey }, userId, { roles });
const trpc = (token: string) => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });

/** Posts a message through ingress and returns its id and seq, read back from history. */
async function posted(text: string): Promise<{ id: string; seq: number }> {
  const answer = await postToIngress(server.url, room, JSON.stringify({ type: 'chat', payload: { text, userId: 'viewer', source: 'twitch' } }), { authorization: `Bearer ${apiKey}` });
  expect(answer.text).toBe('queued');
  const message = (await history()).find((m) => m.payload?.text === text)!;
  return { id: message.id, seq: message.seq };
}

/** A guest WebSocket viewer of the room. */
const viewer = () => openChatSocket(chatSocketUrl(server.url, { room, guest: '1' }), { waitMs: 5000 });

beforeAll(async () => {
  ({ server, owner, moderator, admin, room, apiKey } = await startModeratedRoom(
    { owner: 'discord:remover-owner', moderator: 'discord:remover-mod' },
    { name: 'Removals', allowed_providers: ['guest', 'discord'] },
  ));
});

afterAll(async () => {
  await server?.stop();
});

describe('removing a message', () => {
  it('a moderator removes it: viewers get a removed frame, history keeps its place without content, the audit log has it once', async () => {
    const watching = await viewer();
    const target = await posted('regrettable');
    await posted('kept');
    await watching.waitFor((f) => f.some((x) => x.t === 'msg' && x.id === target.id), 'the message');

    const res = await remove(target.id, moderator, '?reason=Spoiler');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ room, id: target.id, seq: target.seq, removed: true });
    await watching.waitFor((f) => f.some((x) => x.t === 'removed' && x.id === target.id), 'the removed frame');
    const removedFrame = watching.frames.find((x) => x.t === 'removed')!;
    expect(removedFrame).toEqual({ t: 'removed', room, seq: expect.any(Number), id: target.id });
    expect(removedFrame.seq).toBeGreaterThan(target.seq);
    await watching.close();

    const after = await history();
    expect(after.find((m) => m.id === target.id)).toMatchObject({ seq: target.seq, payload: null, removed: true });
    expect(after.find((m) => m.payload?.text === 'kept')).toMatchObject({ removed: false });

    // Again: the same answer, and nothing more recorded.
    expect((await remove(target.id, owner)).body).toEqual({ room, id: target.id, seq: target.seq, removed: true });
    const audit = await call('GET', `/admin/audit-log?room=${room}&action=message.removed`, admin);
    expect(audit.status).toBe(200);
    const entries = audit.body.entries.filter((e: { target: string }) => e.target === target.id);
    expect(entries).toEqual([expect.objectContaining({ action: 'message.removed', actor: 'discord:remover-mod', target: target.id, reason: 'Spoiler' })]);
  });

  it('the owner may, and a moderator room token may', async () => {
    const a = await posted('owner removes this');
    expect((await remove(a.id, owner)).status).toBe(200);
    const b = await posted('mod token removes this');
    expect((await remove(b.id, await mint('twitch:helper', ['moderator']))).status).toBe(200);
  });

  it('refuses everyone else, an unknown message or room, and a bad reason, and removes nothing', async () => {
    const target = await posted('still here');
    const refusals: Array<[Promise<{ status: number; body: unknown }>, number, string]> = [
      [remove(target.id), 401, 'Unauthorized'],
      [remove(target.id, 'not-a-token'), 401, 'Unauthorized'],
      [remove(target.id, await mint('guest:someone')), 403, 'Forbidden'],
      [remove(target.id, apiKey), 403, 'Forbidden'],
      [remove(target.id, await server.identity('discord:stranger')), 403, 'Forbidden'],
      [remove('no-such-message', moderator), 404, 'Not Found'],
      [remove(target.id, moderator, '', 'no-such-room'), 404, 'Not Found'],
      [remove(target.id, moderator, `?reason=${'x'.repeat(501)}`), 400, 'Bad Request'],
      [remove(target.id, moderator, '?reason='), 400, 'Bad Request'],
    ];
    for (const [reply, status, error] of refusals) {
      const res = await reply;
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error, message: expect.any(String), status });
    }
    expect((await remove('no-such-message', moderator)).body.message).toBe('Message not found');
    expect((await history()).find((m) => m.id === target.id)).toMatchObject({ removed: false, payload: { text: 'still here' } });
  });

  it('over tRPC with the same rules', async () => {
    const target = await posted('trpc removes this');
    await expect(trpc(await mint('guest:nobody')).rooms.removeMessage.mutate({ room, messageId: target.id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await expect(trpc(moderator).rooms.removeMessage.mutate({ room, messageId: 'missing' })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    expect(await trpc(moderator).rooms.removeMessage.mutate({ room, messageId: target.id, reason: 'Off topic' })).toEqual({ room, id: target.id, seq: target.seq, removed: true });
    expect((await history()).find((m) => m.id === target.id)).toMatchObject({ removed: true, payload: null });
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const op = doc.paths['/rooms/{room}/messages/{messageId}'].delete;
    expect(op.operationId).toBe('removeMessage');
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '429']));
  });
});
