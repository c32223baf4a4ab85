import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteProjector } from '../shared/index.js';
import { dumpTables, mod, owner, roomLog, secrets, spammer, streamRoomScenario, t0, viewer } from '../testing/index.js';
import { auditLog, auditLogProjection, auditLogTables, type AuditEntry } from './index.js';

function auditOf(events = streamRoomScenario().events) {
  const db = new Database(':memory:');
  sqliteProjector({ db, projections: [auditLogProjection] }).applyBatch(events);
  return db;
}

const none = { changedFields: null, target: null, reason: null, until: null };

describe('audit log projection', () => {
  it('writes one row per room change and moderation action, newest first', () => {
    const { entries, nextCursor } = auditLog(auditOf());
    expect(nextCursor).toBeNull();
    expect(entries).toEqual<AuditEntry[]>([
      { ...none, position: 20, roomId: 'lobby', actor: mod, action: 'user.ban', target: spammer, reason: 'evading', until: t0 + 5_200 + 3_600_000, at: t0 + 5_200 },
      { ...none, position: 18, roomId: 'lobby', actor: owner, action: 'room.updated', changedFields: ['maxViewers', 'filterEnabled', 'filterWords'], at: t0 + 5_000 },
      { ...none, position: 17, roomId: 'studio', actor: owner, action: 'room.created', at: t0 + 4_000 },
      { ...none, position: 16, roomId: 'lobby', actor: mod, action: 'user.unmute', target: viewer, at: t0 + 3_200 },
      { ...none, position: 15, roomId: 'lobby', actor: owner, action: 'user.mute', target: viewer, until: t0 + 603_100, at: t0 + 3_100 },
      { ...none, position: 14, roomId: 'lobby', actor: owner, action: 'room.webhook_secret_rotated', until: t0 + 3_000 + 86_400_000, at: t0 + 3_000 },
      { ...none, position: 13, roomId: 'lobby', actor: owner, action: 'room.api_key_rotated', at: t0 + 3_000 },
      { ...none, position: 11, roomId: 'lobby', actor: mod, action: 'message.removed', target: 'm2', reason: 'spam', at: t0 + 2_400 },
      { ...none, position: 9, roomId: 'lobby', actor: mod, action: 'user.stealth', target: spammer, reason: 'spam', at: t0 + 2_200 },
      { ...none, position: 6, roomId: 'lobby', actor: owner, action: 'room.updated', changedFields: ['name', 'moderators'], at: t0 + 1_000 },
      { ...none, position: 4, roomId: 'anon', actor: null, action: 'room.created', at: t0 + 500 },
      { ...none, position: 1, roomId: 'lobby', actor: owner, action: 'room.created', at: t0 },
    ]);
  });

  it('keeps no credential in any of its tables', () => {
    const dump = JSON.stringify(dumpTables(auditOf(), auditLogTables));
    for (const secret of [...Object.values(secrets), 'argon2id$anon-hash', 'sk_live_']) expect(dump).not.toContain(secret);
  });

  it('filters by room, actor, target, action and time', () => {
    const db = auditOf();
    const positions = (q: Parameters<typeof auditLog>[1]) => auditLog(db, q).entries.map((e) => e.position);
    expect(positions({ roomId: 'anon' })).toEqual([4]);
    expect(positions({ actor: mod })).toEqual([20, 16, 11, 9]);
    expect(positions({ target: spammer })).toEqual([20, 9]);
    expect(positions({ action: 'room.created' })).toEqual([17, 4, 1]);
    expect(positions({ action: ['user.mute', 'user.unmute'] })).toEqual([16, 15]);
    expect(positions({ action: [] })).toEqual([]);
    expect(positions({ since: t0 + 3_000, until: t0 + 4_000 })).toEqual([17, 16, 15, 14, 13]);
    expect(positions({ roomId: 'lobby', actor: owner, action: 'room.updated', since: t0 + 2_000 })).toEqual([18]);
  });

  it('pages newest first with a position cursor, across filters', () => {
    const db = auditOf();
    const all = auditLog(db).entries;
    const seen: AuditEntry[] = [];
    let after: number | undefined;
    let pages = 0;
    do {
      const page = auditLog(db, { limit: 5, after });
      seen.push(...page.entries);
      after = page.nextCursor ?? undefined;
      pages++;
      if (page.nextCursor !== null) expect(page.nextCursor).toBe(page.entries.at(-1)!.position);
    } while (after !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    const first = auditLog(db, { roomId: 'lobby', limit: 2 });
    expect(first.entries.map((e) => e.position)).toEqual([20, 18]);
    expect(auditLog(db, { roomId: 'lobby', limit: 2, after: first.nextCursor! }).entries.map((e) => e.position)).toEqual([16, 15]);
    // An exactly full last page has no cursor.
    expect(auditLog(db, { roomId: 'anon', limit: 1 }).nextCursor).toBeNull();
  });

  it('clamps the page size to 1..500', () => {
    const log = roomLog();
    log.append('big', { type: 'RoomCreated', data: { roomId: 'big', name: 'Big', owner, allowedProviders: [], maxViewers: null, createdAt: t0 } });
    for (let i = 0; i < 600; i++) {
      log.append('big', { type: 'UserModerated', data: { roomId: 'big', action: i % 2 ? 'unmute' : 'mute', target: `guest:${i}`, until: null, reason: null, actor: owner, at: t0 + i } });
    }
    const db = auditOf(log.events);
    const page = auditLog(db, { limit: 10_000 });
    expect(page.entries).toHaveLength(500);
    expect(page.nextCursor).toBe(page.entries.at(-1)!.position);
    expect(auditLog(db, { after: page.nextCursor! }).entries).toHaveLength(100);
    expect(auditLog(db, { limit: 0 }).entries).toHaveLength(1);
    expect(auditLog(db).entries).toHaveLength(100);
  });

  it('logs the first credentials of a room as part of its creation, every later one as a rotation', () => {
    const log = roomLog();
    log.append('r', { type: 'RoomCreated', data: { roomId: 'r', name: 'R', owner: null, allowedProviders: [], maxViewers: null, createdAt: t0 } });
    log.append('r', { type: 'ApiKeyIssued', data: { roomId: 'r', keyHash: 'h1', keyPrefix: 'p1', issuedBy: null, issuedAt: t0 } });
    log.append('r', { type: 'ApiKeyIssued', data: { roomId: 'r', keyHash: 'h2', keyPrefix: 'p2', issuedBy: owner, issuedAt: t0 + 1 } });
    log.append('r', { type: 'WebhookSecretSet', data: { roomId: 'r', secret: 's1', previousValidUntil: null, setBy: null, setAt: t0 } });
    log.append('r', { type: 'WebhookSecretSet', data: { roomId: 'r', secret: 's2', previousValidUntil: null, setBy: owner, setAt: t0 + 2 } });
    expect(auditLog(auditOf(log.events)).entries.map((e) => [e.position, e.action])).toEqual([
      [5, 'room.webhook_secret_rotated'],
      [3, 'room.api_key_rotated'],
      [1, 'room.created'],
    ]);
  });
});
