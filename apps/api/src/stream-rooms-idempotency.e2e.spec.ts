import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/test-server.js';

/* `POST /rooms` with an `Idempotency-Key`: a retry returns the first answer and appends nothing. */

let server: TestServer;

interface Reply {
  status: number;
  body: any;
}

async function call(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const head = () => server.parley.ctx.store.headPosition();
const create = (token: string | undefined, key: string, body: unknown = { name: 'Retry me', max_viewers: 50 }) => call('POST', '/rooms', token, body, { 'Idempotency-Key': key });

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('stream rooms: idempotent room creation', () => {
  it('a retry with the same key and owner returns the identical body, creates one room and appends nothing', async () => {
    const owner = await server.identity('discord:retrier');
    const first = await create(owner, 'order-42');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: 'Retry me', owner: 'discord:retrier' });
    const afterFirst = await head();

    const retry = await create(owner, 'order-42');
    expect(retry).toEqual(first);
    expect(await head()).toBe(afterFirst);

    const owned = await call('GET', '/rooms', owner);
    expect(owned.status).toBe(200);
    expect(owned.body.rooms.map((r: { room: string }) => r.room)).toEqual([first.body.room]);

    // The API key from the retry is the key, not a look-alike: it mints tokens.
    const minted = await call('POST', `/rooms/${retry.body.room}/tokens`, retry.body.api_key, { user_id: 'custom:u', display_name: 'U', ttl: 60 });
    expect(minted.status).toBe(200);
    expect(minted.body.token.split('.')).toHaveLength(3);
    expect(await head()).toBe(afterFirst);
  });

  it('a retry with a different body still returns the first answer', async () => {
    const owner = await server.identity('discord:changer');
    const first = await create(owner, 'k-body', { name: 'First' });
    const afterFirst = await head();
    const retry = await create(owner, 'k-body', { name: 'Second', max_viewers: 3 });
    expect(retry).toEqual(first);
    expect(await head()).toBe(afterFirst);
    expect((await call('GET', `/rooms/${first.body.room}/public`)).body.name).toBe('First');
  });

  it('concurrent retries all get the same answer and create one room', async () => {
    const owner = await server.identity('discord:impatient');
    const before = await head();
    const replies = await Promise.all(Array.from({ length: 8 }, () => create(owner, 'double-click')));
    for (const r of replies) expect(r).toEqual(replies[0]);
    expect(replies[0]!.status).toBe(200);
    // RoomCreated, ApiKeyIssued, WebhookSecretSet: one room's worth of events.
    expect(await head()).toBe(before + 3);
    const owned = await call('GET', '/rooms', owner);
    expect(owned.body.rooms).toHaveLength(1);
  });

  it('the key is scoped to its owner: the same key from someone else, or anonymously, is another room', async () => {
    const a = await create(await server.identity('discord:a'), 'shared-key');
    const b = await create(await server.identity('discord:b'), 'shared-key');
    const anon = await create(undefined, 'shared-key');
    expect(new Set([a.body.room, b.body.room, anon.body.room]).size).toBe(3);
    expect(new Set([a.body.api_key, b.body.api_key, anon.body.api_key]).size).toBe(3);
    expect([a.body.owner, b.body.owner, anon.body.owner]).toEqual(['discord:a', 'discord:b', null]);
    // An anonymous retry from the same address is idempotent too.
    const before = await head();
    expect(await create(undefined, 'shared-key')).toEqual(anon);
    expect(await head()).toBe(before);
  });

  it('without a key, two identical requests are two rooms', async () => {
    const owner = await server.identity('discord:no-key');
    const one = await call('POST', '/rooms', owner, { name: 'Same' });
    const two = await call('POST', '/rooms', owner, { name: 'Same' });
    expect(one.body.room).not.toBe(two.body.room);
    expect((await call('GET', '/rooms', owner)).body.rooms).toHaveLength(2);
  });
});
