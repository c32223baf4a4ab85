import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '@parley/infra/auth';
import { chatSocketUrl, openChatSocket } from './testing/chat-test-client.js';
import { client, freshIp, jwtPayload, trustForwardedFor, type Account } from './surfaces/simple-rooms/test-client.js';
import { startTestServer, type TestServer } from './testing/test-server.js';
import type { AppRouter } from './trpc/index.js';

const SECRET = 's'.repeat(48);
let server: TestServer;
let http: ReturnType<typeof client>;

beforeAll(async () => {
  trustForwardedFor();
  server = await startTestServer({ PARLEY_JWT_SECRET: SECRET });
  http = client(server.url);
});
afterAll(async () => {
  await server.stop();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const register = (body: unknown, ip = freshIp()) => http.call('POST', '/api/auth/register', { body, ip });
const login = (email: string, password: string, ip = freshIp()) => http.call('POST', '/api/auth/login', { body: { email, password }, ip });
const refresh = (refreshToken: string, ip = freshIp()) => http.call('POST', '/api/auth/refresh', { token: refreshToken, ip });
const logout = (token: string, ip = freshIp()) => http.call('POST', '/api/auth/logout', { token, ip });
/** An endpoint that checks sessions: listing rooms with a token. */
const roomsAs = (token: string, username: string) => http.call('GET', '/api/rooms', { token, username });

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ success: false, error: { code, message: expect.any(String), details: expect.any(Array) }, timestamp: expect.stringMatching(ISO) });
}

describe('register', () => {
  it('creates the account, answers the reference shape with a 15-minute access token and a refresh token', async () => {
    const res = await register({ username: 'Newuser', email: 'NewUser@Example.com ', password: 'correct horse battery', inviteCode: 'whatever' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      data: {
        user: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'Newuser', email: 'NewUser@Example.com', avatar: null, createdAt: expect.stringMatching(ISO) },
        token: expect.any(String),
        refreshToken: expect.stringMatching(/^rt1\./),
      },
      message: 'Registration successful',
      timestamp: expect.stringMatching(ISO),
    });
    const claims = jwtPayload(res.body.data.token);
    expect(claims).toMatchObject({ sub: `user:${res.body.data.user.id}`, username: 'Newuser', aud: 'parley', iss: 'parley' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(15 * 60);
    expect(typeof claims.sid).toBe('string');
    expect((await roomsAs(res.body.data.token, 'newuser')).status).toBe(200);
  });

  it.each([
    ['a short username', { username: 'ab', email: 'ab@example.com', password: 'longenough' }, 'username'],
    ['a long username', { username: 'a'.repeat(33), email: 'long@example.com', password: 'longenough' }, 'username'],
    ['a username with a space', { username: 'al ice', email: 'space@example.com', password: 'longenough' }, 'username'],
    ['a bad email', { username: 'bademail', email: 'not-an-email', password: 'longenough' }, 'email'],
    ['a short password', { username: 'shortpw', email: 'shortpw@example.com', password: '1234567' }, 'password'],
    ['a long password', { username: 'longpw', email: 'longpw@example.com', password: 'x'.repeat(129) }, 'password'],
    ['a missing password', { username: 'nopw', email: 'nopw@example.com' }, 'password'],
  ])('refuses %s with 400 VALIDATION_ERROR naming the field', async (_what, body, field) => {
    const res = await register(body);
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('refuses a body that is not JSON', async () => {
    expectError(await http.call('POST', '/api/auth/register', { body: '{nope', ip: freshIp() }), 400, 'VALIDATION_ERROR');
  });

  it('accepts the boundary lengths (3/32 username, 8/128 password)', async () => {
    expect((await register({ username: 'abc', email: 'abc@example.com', password: '12345678' })).status).toBe(201);
    expect((await register({ username: 'b'.repeat(32), email: 'b32@example.com', password: 'y'.repeat(128) })).status).toBe(201);
  });

  it('a taken username (any case) or email is 409 ALREADY_EXISTS', async () => {
    expect((await register({ username: 'dupe', email: 'dupe@example.com', password: 'longenough' })).status).toBe(201);
    expectError(await register({ username: 'DUPE', email: 'other@example.com', password: 'longenough' }), 409, 'ALREADY_EXISTS');
    expectError(await register({ username: 'other', email: 'Dupe@Example.com', password: 'longenough' }), 409, 'ALREADY_EXISTS');
    // The refused registration gave its username back: it can be registered.
    expect((await register({ username: 'other', email: 'other@example.com', password: 'longenough' })).status).toBe(201);
  });

  it('two parallel registrations of one username: exactly one wins, the other is 409', async () => {
    for (let round = 0; round < 3; round++) {
      const username = `racer${round}`;
      const [a, b] = await Promise.all([
        register({ username, email: `${username}a@example.com`, password: 'longenough' }),
        register({ username, email: `${username}b@example.com`, password: 'longenough' }),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const loser = a.status === 409 ? a : b;
      expect(loser.body.error.code).toBe('ALREADY_EXISTS');
      // The loser's email was released (or never taken): it can be used again.
      const loserEmail = a.status === 409 ? `${username}a@example.com` : `${username}b@example.com`;
      expect((await register({ username: `${username}x`, email: loserEmail, password: 'longenough' })).status).toBe(201);
    }
  });

  it('two parallel registrations of one email: exactly one wins and the loser\'s username is free again', async () => {
    const [a, b] = await Promise.all([
      register({ username: 'mailrace1', email: 'mailrace@example.com', password: 'longenough' }),
      register({ username: 'mailrace2', email: 'mailrace@example.com', password: 'longenough' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const loserName = a.status === 409 ? 'mailrace1' : 'mailrace2';
    expect((await register({ username: loserName, email: `${loserName}@example.com`, password: 'longenough' })).status).toBe(201);
  });
});

describe('login', () => {
  let alice: Account;
  beforeAll(async () => {
    alice = await http.register('alice', 'alice-password');
  });

  it('answers the user without createdAt and a new session', async () => {
    const res = await login('ALICE@example.com', 'alice-password');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: { user: { id: alice.userId, username: 'alice', email: 'alice@example.com', avatar: null }, token: expect.any(String), refreshToken: expect.stringMatching(/^rt1\./) },
      message: 'Login successful',
      timestamp: expect.stringMatching(ISO),
    });
    expect(jwtPayload(res.body.data.token).sid).not.toBe(jwtPayload(alice.token).sid);
  });

  it('wrong password and unknown email get the same 401', async () => {
    const wrong = await login('alice@example.com', 'not-the-password');
    const unknown = await login('nobody@example.com', 'alice-password');
    expectError(wrong, 401, 'UNAUTHORIZED');
    expectError(unknown, 401, 'UNAUTHORIZED');
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    expectError(await http.call('POST', '/api/auth/login', { body: { email: 'alice@example.com' }, ip: freshIp() }), 400, 'VALIDATION_ERROR');
  });
});

describe('refresh-token rotation and reuse detection', () => {
  it('rotates on every use; a reused token revokes the family, even for the newest token', async () => {
    const bob = await http.register('bob');
    const first = await refresh(bob.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ success: true, data: { token: expect.any(String), refreshToken: expect.stringMatching(/^rt1\./) }, message: 'Token refreshed', timestamp: expect.stringMatching(ISO) });
    expect(first.body.data.refreshToken).not.toBe(bob.refreshToken);
    expect(jwtPayload(first.body.data.token).sid).toBe(jwtPayload(bob.token).sid);
    const second = await refresh(first.body.data.refreshToken);
    expect(second.status).toBe(200);
    const newest = second.body.data;
    expect((await roomsAs(newest.token, 'bob')).status).toBe(200);

    // The first token was rotated away: presenting it again is a theft signal.
    expectError(await refresh(bob.refreshToken), 401, 'UNAUTHORIZED');
    // The whole family is revoked: the newest refresh token and the session's access tokens too.
    expectError(await refresh(newest.refreshToken), 401, 'UNAUTHORIZED');
    expect((await roomsAs(newest.token, 'bob')).status).toBe(401);
    expect((await roomsAs(bob.token, 'bob')).status).toBe(401);
    // Another session of the same user is untouched.
    const again = await login('bob@example.com', 'correct horse battery');
    expect((await roomsAs(again.body.data.token, 'bob')).status).toBe(200);
    expect((await refresh(again.body.data.refreshToken)).status).toBe(200);
  });

  it('two concurrent refreshes with one token: one rotates, the other is a reuse that ends the session', async () => {
    const carl = await http.register('carl');
    const [a, b] = await Promise.all([refresh(carl.refreshToken), refresh(carl.refreshToken)]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    const winner = a.status === 200 ? a : b;
    expect((await refresh(winner.body.data.refreshToken)).status).toBe(401);
  });

  it('refuses a missing, malformed, forged or access token as refresh token', async () => {
    const dora = await http.register('dora');
    expectError(await http.call('POST', '/api/auth/refresh', { ip: freshIp() }), 401, 'UNAUTHORIZED');
    expectError(await refresh('garbage'), 401, 'UNAUTHORIZED');
    expectError(await refresh(dora.token), 401, 'UNAUTHORIZED');
    const [prefix, userId, familyId] = dora.refreshToken.split('.');
    expectError(await refresh(`${prefix}.${userId}.${familyId}.${'A'.repeat(43)}`), 401, 'UNAUTHORIZED');
    // A forged token names the family but does not end it.
    expect((await refresh(dora.refreshToken)).status).toBe(200);
  });
});

describe('logout', () => {
  it('ends the session: its access token is refused everywhere and its refresh token too', async () => {
    const erin = await http.register('erin');
    const other = await login('erin@example.com', 'correct horse battery');
    const res = await logout(erin.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: {}, message: 'Logged out', timestamp: expect.stringMatching(ISO) });
    expect((await roomsAs(erin.token, 'erin')).status).toBe(401);
    expect((await http.as(erin, 'POST', '/api/rooms', { type: 'private', members: ['alice'] })).status).toBe(401);
    expectError(await logout(erin.token), 401, 'UNAUTHORIZED');
    expectError(await refresh(erin.refreshToken), 401, 'UNAUTHORIZED');
    // Only that session ended.
    expect((await roomsAs(other.body.data.token, 'erin')).status).toBe(200);
  });

  it("the ended session's access token is refused by the stream-room REST, tRPC and realtime surfaces too", async () => {
    const ivan = await http.register('ivan');
    const created = await http.call('POST', '/rooms', { token: ivan.token, body: { name: 'ivan-live', allowed_providers: ['guest'] } });
    expect(created.status).toBe(200);
    const room = created.body.room as string;
    const trpcAs = (token: string) =>
      createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: () => ({ 'x-forwarded-for': freshIp(), authorization: `Bearer ${token}` }) })] });
    const sse = (token: string) => fetch(`${server.url}/sse?room=${room}&token=${token}`, { signal: AbortSignal.timeout(2_000) }).catch(() => ({ status: 0 }));
    // While the session lives, the token owns the room everywhere.
    expect((await http.call('GET', '/rooms', { token: ivan.token })).body).toMatchObject({ rooms: [expect.objectContaining({ room })] });
    expect((await trpcAs(ivan.token).rooms.listOwned.query()).rooms).toHaveLength(1);
    const live = await fetch(`${server.url}/sse?room=${room}&token=${ivan.token}`);
    expect(live.status).toBe(200);
    await live.body?.cancel();

    expect((await logout(ivan.token)).status).toBe(200);
    for (const res of [await http.call('GET', '/rooms', { token: ivan.token }), await http.call('PUT', `/rooms/${room}`, { token: ivan.token, body: { name: 'taken over' } })]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Unauthorized', message: 'Session ended', status: 401 });
    }
    await expect(trpcAs(ivan.token).rooms.listOwned.query()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    expect((await sse(ivan.token)).status).toBe(401);
    expect((await http.call('GET', `/rooms/${room}/public`)).body).toMatchObject({ name: 'ivan-live' });
  });

  it('a logout closes the sockets its session opened (4403, in every room); the same account’s other session keeps its own', async () => {
    const judy = await http.register('judy');
    const stream = await http.call('POST', '/rooms', { token: judy.token, body: { name: 'judy-live', allowed_providers: ['guest'] } });
    expect(stream.status).toBe(200);
    const chat = await http.createRoom(judy, { type: 'private', members: ['judy'] });
    const second = await login('judy@example.com', 'correct horse battery');
    expect(second.status).toBe(200);
    const url = (room: string, token: string) => chatSocketUrl(server.url, { room, token });
    const streamSocket = await openChatSocket(url(stream.body.room, judy.token));
    const chatSocket = await openChatSocket(url(`sr-${chat}`, judy.token));
    const otherSession = await openChatSocket(url(stream.body.room, second.body.data.token));

    expect((await logout(judy.token)).status).toBe(200);
    const codes = await Promise.all([streamSocket.closedWith(10_000), chatSocket.closedWith(10_000)]);
    expect(codes).toEqual([4403, 4403]);
    // The other session's socket still receives the room's messages.
    const apiKey = stream.body.api_key as string;
    const sent = await fetch(`${server.url}/rooms/${stream.body.room}/ingress`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'chat', payload: { text: 'still here' } }) });
    expect(sent.status).toBe(202);
    await otherSession.waitFor((f) => f.some((x) => x.t === 'msg' && x.payload.text === 'still here'), 'a message on the other session');
    await otherSession.close();
  });

  it('needs an account access token', async () => {
    expectError(await http.call('POST', '/api/auth/logout', { ip: freshIp() }), 401, 'UNAUTHORIZED');
    expectError(await logout(await server.identity('discord:123')), 401, 'UNAUTHORIZED');
  });
});

describe('forged and expired access tokens', () => {
  let fay: Account;
  beforeAll(async () => {
    fay = await http.register('fay');
  });

  it('a token expired 1 minute ago is refused', async () => {
    const claims = jwtPayload(fay.token);
    const past = new TokenService(SECRET, () => Date.now() - 16 * 60_000);
    const expired = await past.issueAccountToken({ userId: fay.userId, username: 'fay', sid: claims.sid as string }, 15 * 60);
    expect((await roomsAs(expired, 'fay')).status).toBe(401);
    expectError(await logout(expired), 401, 'UNAUTHORIZED');
    // The same claims, still valid, pass: only the expiry differs.
    const fresh = await new TokenService(SECRET).issueAccountToken({ userId: fay.userId, username: 'fay', sid: claims.sid as string }, 15 * 60);
    expect((await roomsAs(fresh, 'fay')).status).toBe(200);
  });

  it.each([
    ['signed with another key', async () => new TokenService('k'.repeat(48)).issueAccountToken({ userId: fay.userId, username: 'fay', sid: jwtPayload(fay.token).sid as string }, 900)],
    ['with a tampered payload', async () => {
      const [h, , s] = fay.token.split('.');
      const payload = { ...jwtPayload(fay.token), username: 'ryo' };
      return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    }],
    ['with alg none', async () => new UnsecuredJWT({ username: 'fay', sid: jwtPayload(fay.token).sid }).setIssuer('parley').setAudience('parley').setSubject(`user:${fay.userId}`).setExpirationTime('10m').encode()],
    ['signed HS512', async () =>
      new SignJWT({ username: 'fay', sid: jwtPayload(fay.token).sid })
        .setProtectedHeader({ alg: 'HS512' })
        .setIssuer('parley')
        .setAudience('parley')
        .setSubject(`user:${fay.userId}`)
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(SECRET))],
    ['for an unknown session id', async () => new TokenService(SECRET).issueAccountToken({ userId: fay.userId, username: 'fay', sid: 'not-a-session' }, 900)],
    ['for an unknown user', async () => new TokenService(SECRET).issueAccountToken({ userId: '00000000-0000-4000-8000-000000000000', username: 'fay', sid: jwtPayload(fay.token).sid as string }, 900)],
    ['of another identity provider', async () => server.identity('discord:fay')],
  ])('a token %s is refused (401)', async (_what, make) => {
    const token = await make();
    expect((await roomsAs(token, 'fay')).status).toBe(401);
    expect((await roomsAs(token, 'fay')).body).toEqual({ error: 'Authentication required' });
    expectError(await logout(token), 401, 'UNAUTHORIZED');
  });
});

describe('auth rate limit: 25 requests per 15 minutes per IP', () => {
  it('the 26th request from one IP is 429 in the envelope with X-RateLimit-* and Retry-After; other IPs are unaffected', async () => {
    const ip = freshIp();
    for (let i = 1; i <= 25; i++) {
      const res = await refresh('garbage', ip);
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ratelimit-limit')).toBe('25');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(25 - i));
    }
    const limited = await register({ username: 'toolate', email: 'toolate@example.com', password: 'longenough' }, ip);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      success: false,
      error: { code: 'RATE_LIMITED', message: 'You are being rate limited.', details: [], retryAfter: expect.any(Number) },
      timestamp: expect.stringMatching(ISO),
    });
    expect(limited.body.error.retryAfter).toBeGreaterThan(14 * 60_000);
    expect(limited.body.error.retryAfter).toBeLessThanOrEqual(15 * 60_000);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 + 14 * 60);
    // Refused: nothing was registered.
    expect((await register({ username: 'toolate', email: 'toolate@example.com', password: 'longenough' })).status).toBe(201);
    expect((await refresh('garbage', freshIp())).status).toBe(401);
  });
});

describe('surface', () => {
  it('a body over 16 KiB is 413 in the envelope', async () => {
    const res = await register({ username: 'big', email: 'big@example.com', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('every auth operation is in the OpenAPI document with its envelope schemas', async () => {
    const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
    for (const path of ['/api/auth/register', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout']) {
      expect(Object.keys(doc.paths[path])).toEqual(['post']);
      expect(doc.paths[path].post.responses['429'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CommunityError' });
    }
    expect(doc.paths['/api/auth/register'].post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RegisterResponse' });
    expect(doc.components.schemas.RegisterBody.required).toEqual(['username', 'email', 'password']);
  });
});

describe('tRPC accounts', () => {
  const trpc = (token?: string, ip = freshIp()) =>
    createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/trpc`, headers: () => ({ 'x-forwarded-for': ip, ...(token ? { authorization: `Bearer ${token}` } : {}) }) })] });

  it('registers, logs in, refreshes and logs out with the same use cases', async () => {
    const registered = await trpc().accounts.register.mutate({ username: 'gina', email: 'gina@example.com', password: 'longenough' });
    expect(registered.user).toMatchObject({ username: 'gina', email: 'gina@example.com', avatar: null });
    const loggedIn = await trpc().accounts.login.mutate({ email: 'gina@example.com', password: 'longenough' });
    expect(loggedIn.user.id).toBe(registered.user.id);
    const refreshed = await trpc().accounts.refresh.mutate({ refreshToken: loggedIn.refreshToken });
    expect(refreshed.refreshToken).not.toBe(loggedIn.refreshToken);
    await expect(trpc().accounts.refresh.mutate({ refreshToken: loggedIn.refreshToken })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(trpc().accounts.register.mutate({ username: 'GINA', email: 'g2@example.com', password: 'longenough' })).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
    await expect(trpc().accounts.login.mutate({ email: 'gina@example.com', password: 'wrong-password' })).rejects.toBeInstanceOf(TRPCClientError);
    await trpc(registered.token).accounts.logout.mutate();
    await expect(trpc().accounts.logout.mutate()).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('shares the auth rate limit of the IP', async () => {
    const ip = freshIp();
    for (let i = 0; i < 25; i++) await expect(trpc(undefined, ip).accounts.refresh.mutate({ refreshToken: 'x' })).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(trpc(undefined, ip).accounts.refresh.mutate({ refreshToken: 'x' })).rejects.toMatchObject({ data: { code: 'TOO_MANY_REQUESTS' } });
    expect((await refresh('garbage', ip)).status).toBe(429);
  });
});
