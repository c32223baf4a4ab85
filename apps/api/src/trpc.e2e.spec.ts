import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@parley/app-api/trpc';
import { startTestServer, type TestServer } from './testing/test-server.js';

/* The typed tRPC API over real HTTP, through a real `@trpc/client`, as a TypeScript integrator uses it. */

let server: TestServer;

const client = (token?: string, batch = true) => {
  const options = { url: `${server.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) };
  return createTRPCClient<AppRouter>({ links: [batch ? httpBatchLink(options) : httpLink(options)] });
};

/** The tRPC error code a call failed with (and that it failed at all). */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCClientError);
    const e = error as TRPCClientError<AppRouter>;
    expect(typeof e.message).toBe('string');
    return e.data?.code ?? 'no code';
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('tRPC over real HTTP', () => {
  it('does the whole tour: create, listOwned, mintToken, moderate, getPublic, admin.auditLog', async () => {
    const owner = client(await server.identity('discord:trpc-owner'));
    const created = await owner.rooms.create.mutate({ name: 'Typed room', allowed_providers: ['discord', 'guest'], max_viewers: 100 });
    // Typed results: these lines only compile because the router's output types reach the client.
    const roomId: string = created.room;
    const apiKey: string = created.api_key;
    expect(created).toMatchObject({ name: 'Typed room', owner: 'discord:trpc-owner' });
    expect(apiKey).toMatch(/^sk_live_/);

    // Two queries in one batched HTTP request.
    const [owned, pub] = await Promise.all([owner.rooms.listOwned.query(), client().rooms.getPublic.query({ room: roomId })]);
    expect(owned.rooms.map((r) => r.room)).toEqual([roomId]);
    expect(owned.rooms[0]).toMatchObject({ name: 'Typed room', allowed_providers: ['discord', 'guest'], max_viewers: 100, moderators: [] });
    expect(pub).toEqual({ room: roomId, name: 'Typed room', allowed_providers: ['discord', 'guest'], badges: ['verified'], online: false });

    const viaKey = await client(apiKey).rooms.mintToken.mutate({ room: roomId, user_id: 'custom:user123', display_name: 'ChatBot', roles: ['bot'], ttl: 3600 });
    expect(viaKey.token.split('.')).toHaveLength(3);
    const viaOwner = await owner.rooms.mintToken.mutate({ room: roomId, user_id: 'guest:mod', display_name: 'Mod', roles: ['moderator'] });
    const claims = JSON.parse(Buffer.from(viaOwner.token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'guest:mod', room: roomId, roles: ['moderator'], aud: 'parley:room' });
    expect(claims.exp - claims.iat).toBe(3600);

    const updated = await owner.rooms.update.mutate({ room: roomId, moderators: ['discord:helper'] });
    expect(updated.moderators).toEqual(['discord:helper']);

    const before = Date.now();
    const mod = await client(viaOwner.token).rooms.moderate.mutate({ room: roomId, action: 'mute', target: 'discord:999', duration: 600, reason: 'Spam' });
    expect(mod).toMatchObject({ room: roomId, action: 'mute', target: 'discord:999', reason: 'Spam' });
    expect(Math.abs(Date.parse(mod.until!) - (before + 600_000))).toBeLessThan(5000);

    const audit = await client(await server.identity('discord:admin')).admin.auditLog.query({ room: roomId });
    expect(audit.entries[0]).toMatchObject({ room: roomId, actor: 'guest:mod', action: 'user.mute', target: 'discord:999', reason: 'Spam', until: mod.until });
    expect(audit.entries.map((e) => e.action)).toEqual(['user.mute', 'room.updated', 'room.created']);
    expect(audit.next_cursor).toBeNull();

    const secret = await owner.rooms.webhookSecret.query({ room: roomId });
    expect(secret.webhook_secret).toMatch(/^whsec_/);
    const rotated = await owner.rooms.rotateWebhookSecret.mutate({ room: roomId, grace_seconds: 0 });
    expect(rotated).toEqual({ webhook_secret: expect.stringMatching(/^whsec_/), previous_valid_until: null });
    expect(rotated.webhook_secret).not.toBe(secret.webhook_secret);
    const newKey = await owner.rooms.rotateApiKey.mutate({ room: roomId });
    expect(await codeOf(client(apiKey).rooms.mintToken.mutate({ room: roomId, user_id: 'custom:x', display_name: 'X' }))).toBe('UNAUTHORIZED');
    expect((await client(newKey.api_key).rooms.mintToken.mutate({ room: roomId, user_id: 'custom:x', display_name: 'X' })).token).toBeTruthy();
  });

  it('the REST and tRPC surfaces share state: a room created over tRPC is served by REST', async () => {
    const created = await client(await server.identity('discord:both')).rooms.create.mutate({ name: 'Shared' });
    const res = await fetch(`${server.url}/rooms/${created.room}/public`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ room: created.room, name: 'Shared' });
  });

  it('bad cases get typed errors: UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BAD_REQUEST (batched and unbatched) and append nothing', async () => {
    const ownerToken = await server.identity('discord:trpc-owner-2');
    const { room } = await client(ownerToken).rooms.create.mutate({ name: 'Guarded' });
    const before = await server.parley.ctx.store.headPosition();
    for (const batch of [true, false]) {
      const anonymous = client(undefined, batch);
      const stranger = client(await server.identity('discord:nobody'), batch);
      const owner = client(ownerToken, batch);
      expect(await codeOf(anonymous.rooms.listOwned.query())).toBe('UNAUTHORIZED');
      expect(await codeOf(anonymous.rooms.update.mutate({ room, name: 'x' }))).toBe('UNAUTHORIZED');
      expect(await codeOf(client('not-a-token', batch).rooms.listOwned.query())).toBe('UNAUTHORIZED');
      expect(await codeOf(anonymous.admin.auditLog.query({}))).toBe('UNAUTHORIZED');
      expect(await codeOf(stranger.rooms.update.mutate({ room, name: 'Taken' }))).toBe('FORBIDDEN');
      expect(await codeOf(stranger.rooms.moderate.mutate({ room, action: 'ban', target: 'guest:x' }))).toBe('FORBIDDEN');
      expect(await codeOf(owner.admin.auditLog.query({}))).toBe('FORBIDDEN');
      expect(await codeOf(owner.rooms.moderate.mutate({ room, action: 'ban', target: 'discord:trpc-owner-2' }))).toBe('FORBIDDEN');
      expect(await codeOf(anonymous.rooms.getPublic.query({ room: 'nosuchroom000' }))).toBe('NOT_FOUND');
      expect(await codeOf(owner.rooms.update.mutate({ room: 'nosuchroom000', name: 'x' }))).toBe('NOT_FOUND');
      expect(await codeOf(owner.rooms.create.mutate({ name: '' }))).toBe('BAD_REQUEST');
      expect(await codeOf(owner.rooms.mintToken.mutate({ room, user_id: 'custom:x', display_name: 'X', ttl: 86_401 }))).toBe('BAD_REQUEST');
      // A wrong type, sent past the compiler the way a JavaScript caller could.
      expect(await codeOf(owner.rooms.moderate.mutate({ room, action: 'kick' as 'ban', target: 'guest:x' }))).toBe('BAD_REQUEST');
    }
    expect(await server.parley.ctx.store.headPosition()).toBe(before);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('an unknown procedure is NOT_FOUND over raw HTTP too', async () => {
    const res = await fetch(`${server.url}/trpc/rooms.nothing`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).toContain('NOT_FOUND');
  });
});
