import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteProjector } from '../shared/index.js';
import { dumpTables, mod, owner, roomLog, secrets, streamRoomScenario, t0 } from '../testing/index.js';
import { getRoom, roomDirectoryProjection, roomDirectoryTables, roomsOwnedBy } from './index.js';

function directoryOf(events = streamRoomScenario().events) {
  const db = new Database(':memory:');
  sqliteProjector({ db, projections: [roomDirectoryProjection] }).applyBatch(events);
  return db;
}

describe('room directory projection', () => {
  it('holds each room as the REST surface reads it', () => {
    const db = directoryOf();
    expect(getRoom(db, 'lobby')).toEqual({
      roomId: 'lobby',
      name: 'Lobby (live)',
      owner,
      allowedProviders: ['discord', 'guest'],
      moderators: [mod],
      maxViewers: null,
      badges: ['verified'],
      filterEnabled: true,
      createdAt: t0,
      updatedAt: t0 + 5_000,
    });
    expect(getRoom(db, 'anon')).toEqual({
      roomId: 'anon',
      name: 'Anonymous',
      owner: null,
      allowedProviders: ['guest'],
      moderators: [],
      maxViewers: null,
      badges: [],
      filterEnabled: false,
      createdAt: t0 + 500,
      updatedAt: t0 + 500,
    });
    expect(getRoom(db, 'missing')).toBeUndefined();
  });

  it('applies partial updates field by field, including an explicit null', () => {
    const log = roomLog();
    log.append('r', { type: 'RoomCreated', data: { roomId: 'r', name: 'R', owner, allowedProviders: ['discord'], maxViewers: 50, createdAt: t0 } });
    log.append('r', { type: 'RoomUpdated', data: { roomId: 'r', allowedProviders: ['guest'], updatedBy: owner, updatedAt: t0 + 1 } });
    const db = directoryOf(log.events);
    expect(getRoom(db, 'r')).toMatchObject({ name: 'R', allowedProviders: ['guest'], maxViewers: 50, moderators: [], updatedAt: t0 + 1 });
    log.append('r', { type: 'RoomUpdated', data: { roomId: 'r', maxViewers: null, filterEnabled: false, updatedBy: owner, updatedAt: t0 + 2 } });
    const db2 = directoryOf(log.events);
    expect(getRoom(db2, 'r')).toMatchObject({ name: 'R', allowedProviders: ['guest'], maxViewers: null, filterEnabled: false, updatedAt: t0 + 2 });
  });

  it('lists the rooms a user owns, newest first', () => {
    const db = directoryOf();
    expect(roomsOwnedBy(db, owner).map((r) => r.roomId)).toEqual(['studio', 'lobby']);
    expect(roomsOwnedBy(db, 'discord:nobody')).toEqual([]);
  });

  it('breaks creation-time ties by log order', () => {
    const log = roomLog();
    for (const id of ['a', 'b', 'c']) log.append(id, { type: 'RoomCreated', data: { roomId: id, name: id, owner, allowedProviders: [], maxViewers: null, createdAt: t0 } });
    expect(roomsOwnedBy(directoryOf(log.events), owner).map((r) => r.roomId)).toEqual(['c', 'b', 'a']);
  });

  it('never stores API key hashes, key prefixes, webhook secrets or filter words', () => {
    const dump = JSON.stringify(dumpTables(directoryOf(), roomDirectoryTables));
    for (const secret of [...Object.values(secrets), 'argon2id$anon-hash', 'sk_live_', 'spoiler']) expect(dump).not.toContain(secret);
  });
});
