import type { RoomEvent } from '@parley/contracts';
import { roomLog } from './room-log.js';

export const t0 = 1_700_000_000_000;
export const owner = 'discord:100';
export const mod = 'discord:200';
export const viewer = 'discord:300';
export const spammer = 'twitch:666';
export const secrets = { keyHash: 'argon2id$v=19$m=19456$c2VjcmV0LWhhc2g', rotatedKeyHash: 'argon2id$v=19$rotated-hash', webhookSecret: 'whsec_initial_7f3a', rotatedWebhookSecret: 'whsec_rotated_91bc' };

const posted = (roomId: string, messageId: string, sender: string | null, text: string, at: number, extra: Partial<Extract<RoomEvent, { type: 'ChatMessagePosted' }>['data']> = {}): RoomEvent => ({
  type: 'ChatMessagePosted',
  data: { roomId, messageId, kind: 'chat', payload: { text, displayName: sender ?? 'webhook' }, sender, visibility: 'all', via: 'socket', at, ...extra },
});

/**
 * A realistic life of two stream rooms and an anonymous one: creation with credentials, settings
 * changes, chat through socket and ingress, a stealth-banned user, moderation and removals.
 */
export function streamRoomScenario() {
  const log = roomLog();
  const { append } = log;
  append('lobby', { type: 'RoomCreated', data: { roomId: 'lobby', name: 'Lobby', owner, allowedProviders: ['discord', 'guest'], maxViewers: 100, createdAt: t0 } });
  append('lobby', { type: 'ApiKeyIssued', data: { roomId: 'lobby', keyHash: secrets.keyHash, keyPrefix: 'sk_live_ab', issuedBy: owner, issuedAt: t0 } });
  append('lobby', { type: 'WebhookSecretSet', data: { roomId: 'lobby', secret: secrets.webhookSecret, previousValidUntil: null, setBy: owner, setAt: t0 } });
  append('anon', { type: 'RoomCreated', data: { roomId: 'anon', name: 'Anonymous', owner: null, allowedProviders: ['guest'], maxViewers: null, createdAt: t0 + 500 } });
  append('anon', { type: 'ApiKeyIssued', data: { roomId: 'anon', keyHash: 'argon2id$anon-hash', keyPrefix: 'sk_live_cd', issuedBy: null, issuedAt: t0 + 500 } });
  append('lobby', { type: 'RoomUpdated', data: { roomId: 'lobby', name: 'Lobby (live)', moderators: [mod], updatedBy: owner, updatedAt: t0 + 1_000 } });
  append('lobby', posted('lobby', 'm1', viewer, 'hello', t0 + 2_000));
  append('lobby', posted('lobby', 'm2', spammer, 'buy followers', t0 + 2_100, { meta: { campaign: 'x' } }));
  append('lobby', { type: 'UserModerated', data: { roomId: 'lobby', action: 'stealth', target: spammer, until: null, reason: 'spam', actor: mod, at: t0 + 2_200 } });
  append('lobby', posted('lobby', 'm3', spammer, 'still here?', t0 + 2_300, { visibility: 'moderators_and_sender' }));
  append('lobby', { type: 'ChatMessageRemoved', data: { roomId: 'lobby', messageId: 'm2', actor: mod, reason: 'spam', at: t0 + 2_400 } });
  append('lobby', posted('lobby', 'm4', null, 'Thanks for the $5!', t0 + 2_500, { kind: 'event', via: 'ingress', meta: { donation: 5 } }));
  append('lobby', { type: 'ApiKeyIssued', data: { roomId: 'lobby', keyHash: secrets.rotatedKeyHash, keyPrefix: 'sk_live_ef', issuedBy: owner, issuedAt: t0 + 3_000 } });
  append('lobby', { type: 'WebhookSecretSet', data: { roomId: 'lobby', secret: secrets.rotatedWebhookSecret, previousValidUntil: t0 + 3_000 + 86_400_000, setBy: owner, setAt: t0 + 3_000 } });
  append('lobby', { type: 'UserModerated', data: { roomId: 'lobby', action: 'mute', target: viewer, until: t0 + 603_100, reason: null, actor: owner, at: t0 + 3_100 } });
  append('lobby', { type: 'UserModerated', data: { roomId: 'lobby', action: 'unmute', target: viewer, until: null, reason: null, actor: mod, at: t0 + 3_200 } });
  append('studio', { type: 'RoomCreated', data: { roomId: 'studio', name: 'Studio', owner, allowedProviders: ['discord'], maxViewers: 10, createdAt: t0 + 4_000 } });
  append('lobby', { type: 'RoomUpdated', data: { roomId: 'lobby', maxViewers: null, filterEnabled: true, filterWords: ['spoiler'], updatedBy: owner, updatedAt: t0 + 5_000 } });
  append('studio', posted('studio', 's1', owner, 'soundcheck', t0 + 5_100));
  append('lobby', { type: 'UserModerated', data: { roomId: 'lobby', action: 'ban', target: spammer, until: t0 + 5_200 + 3_600_000, reason: 'evading', actor: mod, at: t0 + 5_200 } });
  return log;
}
