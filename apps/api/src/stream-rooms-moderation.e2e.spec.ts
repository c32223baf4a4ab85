import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './testing/test-server.js';
import { jsonCall, type JsonReply } from './testing/json-call.js';
import { startModeratedRoom } from './testing/moderated-room.js';

type Reply = Omit<JsonReply, 'headers'>;

/* Moderation end to end: what the action answers, what the audit log records, and who may read it. */

let server: TestServer;
let owner: string;
let moderator: string;
let admin: string;
let room: string;
let apiKey: string;

const call = async (method: string, path: string, token?: string, body?: unknown): Promise<Reply> => {
  const { status, body: answer } = await jsonCall(server.url, method, path, token, body);
  return { status, body: answer };
};

const moderate = (token: string, body: Record<string, unknown>) => call('POST', `/rooms/${room}/moderation`, token, body);
const audit = (query: string, token = admin) => call('GET', `/admin/audit-log?room=${room}${query ? `&${query}` : ''}`, token);

const isoNear = (iso: string, ms: number, toleranceMs = 5000) => Math.abs(Date.parse(iso) - ms) <= toleranceMs;

beforeAll(async () => {
  ({ server, owner, moderator, admin, room, apiKey } = await startModeratedRoom(
    { owner: 'discord:streamer', moderator: 'discord:helper' },
    { name: 'Moderated', allowed_providers: ['discord', 'guest'] },
  ));
});

afterAll(async () => {
  await server?.stop();
});

describe('stream rooms: moderation semantics', () => {
  it('a temporary mute ends `duration` seconds from now; a permanent one has no end', async () => {
    const sent = Date.now();
    const temporary = await moderate(owner, { action: 'mute', target: 'guest:chatty', duration: 600, reason: 'Spam' });
    expect(temporary.status).toBe(200);
    expect(temporary.body).toEqual({ room, action: 'mute', target: 'guest:chatty', until: expect.any(String), reason: 'Spam' });
    expect(isoNear(temporary.body.until, sent + 600_000)).toBe(true);
    expect(new Date(temporary.body.until).toISOString()).toBe(temporary.body.until);

    const permanent = await moderate(moderator, { action: 'ban', target: 'guest:troll' });
    expect(permanent.body).toEqual({ room, action: 'ban', target: 'guest:troll', until: null, reason: null });

    const stealth = await moderate(moderator, { action: 'stealth', target: 'guest:sneaky', duration: 3600, reason: 'Evading' });
    expect(isoNear(stealth.body.until, sent + 3_600_000)).toBe(true);
  });

  it('unmute and unban are recorded, without an end time even when a duration is sent', async () => {
    const unmute = await moderate(moderator, { action: 'unmute', target: 'guest:chatty', duration: 60, reason: 'Apologised' });
    expect(unmute.body).toEqual({ room, action: 'unmute', target: 'guest:chatty', until: null, reason: 'Apologised' });
    const unban = await moderate(owner, { action: 'unban', target: 'guest:troll' });
    expect(unban.body).toEqual({ room, action: 'unban', target: 'guest:troll', until: null, reason: null });

    const log = await audit('target=guest:chatty');
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual(['user.unmute', 'user.mute']);
    expect((await audit('target=guest:troll')).body.entries.map((e: { action: string }) => e.action)).toEqual(['user.unban', 'user.ban']);
  });

  it('audit entries carry actor, target, action, reason, until and time', async () => {
    const sent = Date.now();
    const muted = await moderate(moderator, { action: 'mute', target: 'guest:loud', duration: 120, reason: 'Caps lock' });
    const { entries } = (await audit('target=guest:loud')).body;
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    expect(entry).toEqual({
      position: expect.any(Number),
      room,
      actor: 'discord:helper',
      action: 'user.mute',
      target: 'guest:loud',
      reason: 'Caps lock',
      until: muted.body.until,
      details: null,
      at: expect.any(String),
    });
    expect(isoNear(entry.at, sent)).toBe(true);
    expect(Date.parse(entry.until) - Date.parse(entry.at)).toBe(120_000);

    // Room changes are audited too, with what changed.
    const { entries: changes } = (await audit('action=room.updated')).body;
    expect(changes.at(-1)).toMatchObject({ actor: 'discord:streamer', action: 'room.updated', target: null, details: { changed_fields: ['moderators'] } });
  });

  it('a moderator room token acts under the token user id', async () => {
    const minted = await call('POST', `/rooms/${room}/tokens`, apiKey, { user_id: 'guest:volunteer', display_name: 'Volunteer', roles: ['moderator'], ttl: 600 });
    expect((await moderate(minted.body.token, { action: 'mute', target: 'guest:noisy', reason: 'Noise' })).status).toBe(200);
    expect((await audit('target=guest:noisy')).body.entries[0]).toMatchObject({ actor: 'guest:volunteer', action: 'user.mute', until: null });
  });

  it('filters by action and target, and pages with the cursor without gaps or repeats', async () => {
    for (let i = 0; i < 7; i++) expect((await moderate(owner, { action: i % 2 ? 'unmute' : 'mute', target: `guest:p${i % 3}`, reason: `r${i}` })).status).toBe(200);

    const all = (await audit('limit=500')).body;
    expect(all.next_cursor).toBeNull();
    const positions = all.entries.map((e: { position: number }) => e.position);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions); // newest first

    const mutes = (await audit('action=user.mute&limit=500')).body.entries;
    expect(mutes.length).toBeGreaterThan(0);
    expect(mutes.every((e: { action: string }) => e.action === 'user.mute')).toBe(true);
    expect(mutes).toEqual(all.entries.filter((e: { action: string }) => e.action === 'user.mute'));

    const p1 = (await audit('target=guest:p1')).body.entries;
    expect(p1.map((e: { reason: string }) => e.reason)).toEqual(['r4', 'r1']);
    expect((await audit('target=guest:p1&action=user.unmute')).body.entries.map((e: { reason: string }) => e.reason)).toEqual(['r1']);
    expect((await audit('actor=discord:helper')).body.entries.every((e: { actor: string }) => e.actor === 'discord:helper')).toBe(true);

    const paged: unknown[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const page: Reply = await audit(`limit=3${cursor !== null ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(3);
      paged.push(...page.body.entries);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 100);
    expect(pages).toBe(Math.ceil(all.entries.length / 3));
    expect(paged).toEqual(all.entries);

    // Time filters.
    const newest = all.entries[0];
    expect((await audit(`since=${encodeURIComponent(newest.at)}`)).body.entries.map((e: { position: number }) => e.position)).toContain(newest.position);
    expect((await audit(`until=${encodeURIComponent(new Date(Date.parse(all.entries.at(-1).at) - 1).toISOString())}`)).body.entries).toEqual([]);
    // Other rooms stay out of a room's log.
    const elsewhere = await call('POST', '/rooms', owner, { name: 'Elsewhere' });
    await call('POST', `/rooms/${elsewhere.body.room}/moderation`, owner, { action: 'ban', target: 'guest:p0' });
    expect((await audit('target=guest:p0&action=user.ban')).body.entries).toEqual([]);
  });

  it('the audit log is for admins: 401 without a token, 403 for the owner and moderators, 400 for a bad query', async () => {
    const anonymous = await call('GET', `/admin/audit-log?room=${room}`);
    expect(anonymous).toEqual({ status: 401, body: { error: 'Unauthorized', message: expect.any(String), status: 401 } });
    for (const token of [owner, moderator]) {
      expect(await audit('', token)).toEqual({ status: 403, body: { error: 'Forbidden', message: expect.any(String), status: 403 } });
    }
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'since=yesterday', 'cursor=-1']) {
      expect((await audit(query)).body).toEqual({ error: 'Bad Request', message: expect.any(String), status: 400 });
    }
    // An admin named by account username is an admin too (PARLEY_ADMINS has "ryo").
    expect((await audit('', await server.identity('ryo'))).status).toBe(200);
  });
});
