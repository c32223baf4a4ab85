import type { RoomEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { deciderSpec } from '../shared/spec.js';
import type { CreateRoom, PostMessage } from './commands.js';
import { decidePost, roomDecider } from './decide.js';
import type { Actor } from './roles.js';
import { activeRestrictions } from './state.js';
import { validWebhookSecrets } from './webhook-secret.js';

const spec = deciderSpec(roomDecider);
const T0 = 1_700_000_000_000;
const owner: Actor = { userId: 'discord:1', roomRoles: [], credential: 'identity' };
const mod: Actor = { userId: 'discord:2', roomRoles: [], credential: 'identity' };
const stranger: Actor = { userId: 'discord:3', roomRoles: [], credential: 'identity' };
const tokenModerator: Actor = { userId: 'custom:bot', roomRoles: ['moderator'], credential: 'room_token' };
const ownerIdRoomToken: Actor = { userId: 'discord:1', roomRoles: [], credential: 'room_token' };

const create: CreateRoom = {
  type: 'CreateRoom',
  roomId: 'r1',
  name: 'Stream',
  owner: 'discord:1',
  allowedProviders: ['discord', 'guest'],
  maxViewers: 100,
  apiKeyHash: 'h1',
  apiKeyPrefix: 'sk_live_ab',
  webhookSecret: 'whsec_1',
  at: T0,
};
const created: RoomEvent[] = roomDecider.decide(create, roomDecider.initialState) as RoomEvent[];
const withModerator: RoomEvent[] = [
  ...created,
  { type: 'RoomUpdated', data: { roomId: 'r1', moderators: ['discord:2'], updatedBy: 'discord:1', updatedAt: T0 } },
];
const moderated = (action: 'ban' | 'mute' | 'stealth' | 'unban' | 'unmute', target: string, until: number | null = null): RoomEvent => ({
  type: 'UserModerated',
  data: { roomId: 'r1', action, target, until, reason: null, actor: 'discord:1', at: T0 },
});
const post = (sender: string | null, at = T0 + 1000, textBlocked = false): PostMessage => ({
  type: 'PostMessage',
  messageId: 'm1',
  kind: 'chat',
  payload: { text: 'hi' },
  sender,
  via: 'ingress',
  textBlocked,
  at,
});

describe('room decider', () => {
  it('creates a room with its API key hash and webhook secret', () => {
    expect(created.map((e) => e.type)).toEqual(['RoomCreated', 'ApiKeyIssued', 'WebhookSecretSet']);
    spec.given(created).when(create).thenFails('already_exists');
  });

  it('lets only the owner update settings, and records only what changed', () => {
    spec
      .given(created)
      .when({ type: 'UpdateRoom', actor: owner, name: 'New', maxViewers: 500, at: T0 + 1 })
      .then([{ type: 'RoomUpdated', data: { roomId: 'r1', name: 'New', maxViewers: 500, updatedBy: 'discord:1', updatedAt: T0 + 1 } }]);
    spec.given(withModerator).when({ type: 'UpdateRoom', actor: mod, name: 'x', at: T0 }).thenFails('forbidden');
    spec.given([]).when({ type: 'UpdateRoom', actor: owner, name: 'x', at: T0 }).thenFails('not_found');
  });

  it('applies updates to state', () => {
    const state = fold(roomDecider, withModerator);
    expect(state.moderators).toEqual(['discord:2']);
    expect(state.name).toBe('Stream');
  });

  it('lets owner, listed moderators and moderator-role tokens moderate; nobody else', () => {
    for (const actor of [owner, mod, tokenModerator]) {
      const outcome = spec.given(withModerator).when({ type: 'ModerateUser', actor, action: 'mute', target: 'discord:9', durationSeconds: 600, reason: 'Spam', at: T0 }).outcome;
      expect(outcome).toEqual([
        { type: 'UserModerated', data: { roomId: 'r1', action: 'mute', target: 'discord:9', until: T0 + 600_000, reason: 'Spam', actor: actor.userId, at: T0 } },
      ]);
    }
    spec.given(withModerator).when({ type: 'ModerateUser', actor: stranger, action: 'ban', target: 'discord:9', at: T0 }).thenFails('forbidden');
  });

  it('never bans, mutes or stealths the owner; only the owner restricts a moderator', () => {
    for (const action of ['ban', 'mute', 'stealth'] as const) {
      spec.given(withModerator).when({ type: 'ModerateUser', actor: mod, action, target: 'discord:1', at: T0 }).thenFails('forbidden');
      spec.given(withModerator).when({ type: 'ModerateUser', actor: owner, action, target: 'discord:1', at: T0 }).thenFails('forbidden');
    }
    spec.given(withModerator).when({ type: 'ModerateUser', actor: tokenModerator, action: 'ban', target: 'discord:2', at: T0 }).thenFails('forbidden');
    // A room token minted (by the API key holder) with the owner's id is not the owner.
    spec.given(withModerator).when({ type: 'ModerateUser', actor: ownerIdRoomToken, action: 'ban', target: 'discord:2', at: T0 }).thenFails('forbidden');
    spec.given(withModerator).when({ type: 'UpdateRoom', actor: ownerIdRoomToken, name: 'x', at: T0 }).thenFails('forbidden');
    const ok = spec.given(withModerator).when({ type: 'ModerateUser', actor: owner, action: 'ban', target: 'discord:2', at: T0 }).outcome;
    expect(Array.isArray(ok)).toBe(true);
  });

  it('tracks bans and mutes with expiry, and lifts them', () => {
    const s1 = fold(roomDecider, [...created, moderated('ban', 'u:1', T0 + 60_000), moderated('mute', 'u:2')]);
    expect(activeRestrictions(s1, 'u:1', T0 + 59_999).banned).toBe(true);
    expect(activeRestrictions(s1, 'u:1', T0 + 60_000).banned).toBe(false);
    expect(activeRestrictions(s1, 'u:2', T0 + 10 ** 9).muted).toBe(true);
    const s2 = fold(roomDecider, [...created, moderated('ban', 'u:1'), moderated('stealth', 'u:1'), moderated('unban', 'u:1'), moderated('mute', 'u:2'), moderated('unmute', 'u:2')]);
    expect(activeRestrictions(s2, 'u:1', T0)).toEqual({ banned: false, muted: false, stealthed: false });
    expect(activeRestrictions(s2, 'u:2', T0).muted).toBe(false);
    expect(s2.restrictions).toEqual({});
  });

  it('queues messages, filters banned/muted/word-filtered ones, and hides stealthed senders', () => {
    const state = fold(roomDecider, [
      ...created,
      { type: 'RoomUpdated', data: { roomId: 'r1', filterEnabled: true, updatedBy: 'discord:1', updatedAt: T0 } },
      moderated('ban', 'yt:banned'),
      moderated('mute', 'yt:muted', T0 + 500),
      moderated('stealth', 'yt:ghost'),
    ]);
    expect(decidePost(post('yt:banned'), state)).toEqual({ status: 'filtered', reason: 'banned' });
    expect(decidePost(post('yt:muted', T0 + 499), state)).toEqual({ status: 'filtered', reason: 'muted' });
    expect(decidePost(post('yt:muted', T0 + 500), state)).toMatchObject({ status: 'queued' });
    expect(decidePost(post('yt:ok', T0, true), state)).toEqual({ status: 'filtered', reason: 'word_filter' });
    expect(decidePost(post(null, T0, true), state)).toEqual({ status: 'filtered', reason: 'word_filter' });
    const ghost = decidePost(post('yt:ghost'), state);
    expect(ghost).toMatchObject({ status: 'queued', events: [{ type: 'ChatMessagePosted', data: { visibility: 'moderators_and_sender' } }] });
    const ok = decidePost({ ...post('yt:ok'), meta: { a: 1 } }, state);
    expect(ok).toMatchObject({ status: 'queued', events: [{ data: { visibility: 'all', meta: { a: 1 }, payload: { text: 'hi' } } }] });
  });

  it('ignores the word filter when the room has not enabled it', () => {
    expect(decidePost(post('yt:ok', T0, true), fold(roomDecider, created))).toMatchObject({ status: 'queued' });
  });

  it('keeps the previous webhook secret valid during the grace period only', () => {
    const events = [...created, ...(roomDecider.decide({ type: 'RotateWebhookSecret', actor: owner, secret: 'whsec_2', graceMs: 60_000, at: T0 }, fold(roomDecider, created)) as RoomEvent[])];
    const state = fold(roomDecider, events);
    expect(validWebhookSecrets(state, T0 + 59_999)).toEqual(['whsec_2', 'whsec_1']);
    expect(validWebhookSecrets(state, T0 + 60_000)).toEqual(['whsec_2']);
    spec.given(created).when({ type: 'RotateWebhookSecret', actor: stranger, secret: 's', graceMs: 0, at: T0 }).thenFails('forbidden');
  });

  it('rotates the API key for the owner only', () => {
    spec
      .given(created)
      .when({ type: 'RotateApiKey', actor: owner, apiKeyHash: 'h2', apiKeyPrefix: 'sk_live_cd', at: T0 })
      .then([{ type: 'ApiKeyIssued', data: { roomId: 'r1', keyHash: 'h2', keyPrefix: 'sk_live_cd', issuedBy: 'discord:1', issuedAt: T0 } }]);
    spec.given(withModerator).when({ type: 'RotateApiKey', actor: mod, apiKeyHash: 'h2', apiKeyPrefix: 'x', at: T0 }).thenFails('forbidden');
  });
});
