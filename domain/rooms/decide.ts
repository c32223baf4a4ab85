import type { RoomEvent } from '@parley/contracts';
import { fail, type Decider, type DomainError } from '../shared/decider.js';
import type { ModerateUser, PostMessage, RoomCommand, UpdateRoom } from './commands.js';
import { isListedModerator, isModerator, isOwner } from './roles.js';
import { activeRestrictions, evolveRoom, initialRoomState, type RoomState } from './state.js';

const notFound = () => fail('not_found', 'Room not found');

function decideUpdate(c: UpdateRoom, s: RoomState): RoomEvent[] | DomainError {
  if (!isOwner(s, c.actor)) return fail('forbidden', 'Only the room owner can change its settings');
  const { type: _t, actor, at, ...changes } = c;
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  if (Object.keys(defined).length === 0) return [];
  return [{ type: 'RoomUpdated', data: { roomId: s.roomId, ...defined, updatedBy: actor.userId!, updatedAt: at } }];
}

function decideModeration(c: ModerateUser, s: RoomState): RoomEvent[] | DomainError {
  if (!isModerator(s, c.actor)) return fail('forbidden', 'Only the owner or a moderator can moderate');
  const restricting = c.action === 'ban' || c.action === 'mute' || c.action === 'stealth';
  if (restricting && c.target === s.owner) return fail('forbidden', 'The room owner cannot be moderated');
  if (restricting && isListedModerator(s, c.target) && !isOwner(s, c.actor)) {
    return fail('forbidden', 'Only the owner can moderate a moderator');
  }
  const until = restricting && c.durationSeconds !== undefined ? c.at + c.durationSeconds * 1000 : null;
  return [
    {
      type: 'UserModerated',
      data: {
        roomId: s.roomId,
        action: c.action,
        target: c.target,
        until,
        reason: c.reason ?? null,
        actor: c.actor.userId ?? 'api_key',
        at: c.at,
      },
    },
  ];
}

export type PostOutcome = { status: 'queued'; events: RoomEvent[] } | { status: 'filtered'; reason: 'banned' | 'muted' | 'word_filter' };

/** Whether a message enters the room, and who sees it. Banned, muted or word-filtered: filtered. Stealth: queued, seen by moderators and the sender only. */
export function decidePost(c: PostMessage, s: RoomState): PostOutcome | DomainError {
  if (!s.exists) return notFound();
  if (c.sender !== null) {
    const r = activeRestrictions(s, c.sender, c.at);
    if (r.banned) return { status: 'filtered', reason: 'banned' };
    if (r.muted) return { status: 'filtered', reason: 'muted' };
    if (s.filterEnabled && c.textBlocked) return { status: 'filtered', reason: 'word_filter' };
    const visibility = r.stealthed ? 'moderators_and_sender' : 'all';
    return { status: 'queued', events: [posted(c, s, visibility)] };
  }
  if (s.filterEnabled && c.textBlocked) return { status: 'filtered', reason: 'word_filter' };
  return { status: 'queued', events: [posted(c, s, 'all')] };
}

/**
 * The keys' order is relied upon: realtime cuts a frame's payload and meta out of this data's JSON
 * (`payloadAndMetaOf` in infra/realtime/frames-of-events.ts), and falls back to encoding the frame
 * anew if payload does not come after the strings and sender after meta.
 */
const posted = (c: PostMessage, s: RoomState, visibility: 'all' | 'moderators_and_sender'): RoomEvent => ({
  type: 'ChatMessagePosted',
  data: {
    roomId: s.roomId,
    messageId: c.messageId,
    kind: c.kind,
    payload: c.payload,
    ...(c.meta !== undefined ? { meta: c.meta } : {}),
    sender: c.sender,
    visibility,
    via: c.via,
    at: c.at,
  },
});

export function decideRoom(c: RoomCommand, s: RoomState): RoomEvent[] | DomainError {
  if (c.type === 'CreateRoom') {
    if (s.exists) return fail('already_exists', 'Room already exists');
    return [
      {
        type: 'RoomCreated',
        data: { roomId: c.roomId, name: c.name, owner: c.owner, allowedProviders: c.allowedProviders, maxViewers: c.maxViewers, createdAt: c.at },
      },
      { type: 'ApiKeyIssued', data: { roomId: c.roomId, keyHash: c.apiKeyHash, keyPrefix: c.apiKeyPrefix, issuedBy: c.owner, issuedAt: c.at } },
      { type: 'WebhookSecretSet', data: { roomId: c.roomId, secret: c.webhookSecret, previousValidUntil: null, setBy: c.owner, setAt: c.at } },
    ];
  }
  if (!s.exists) return notFound();
  switch (c.type) {
    case 'UpdateRoom':
      return decideUpdate(c, s);
    case 'RotateApiKey':
      if (!isOwner(s, c.actor)) return fail('forbidden', 'Only the room owner can rotate the API key');
      return [{ type: 'ApiKeyIssued', data: { roomId: s.roomId, keyHash: c.apiKeyHash, keyPrefix: c.apiKeyPrefix, issuedBy: c.actor.userId, issuedAt: c.at } }];
    case 'RotateWebhookSecret':
      if (!isOwner(s, c.actor)) return fail('forbidden', 'Only the room owner can rotate the webhook secret');
      return [
        {
          type: 'WebhookSecretSet',
          data: { roomId: s.roomId, secret: c.secret, previousValidUntil: c.graceMs > 0 ? c.at + c.graceMs : null, setBy: c.actor.userId, setAt: c.at },
        },
      ];
    case 'ModerateUser':
      return decideModeration(c, s);
    case 'PostMessage': {
      const outcome = decidePost(c, s);
      if ('status' in outcome) return outcome.status === 'queued' ? outcome.events : [];
      return outcome;
    }
    case 'RemoveMessage':
      if (!isModerator(s, c.actor)) return fail('forbidden', 'Only the owner or a moderator can remove messages');
      return [{ type: 'ChatMessageRemoved', data: { roomId: s.roomId, messageId: c.messageId, actor: c.actor.userId ?? 'api_key', reason: c.reason ?? null, at: c.at } }];
  }
}

export const roomDecider: Decider<RoomCommand, RoomEvent, RoomState> = {
  initialState: initialRoomState,
  evolve: evolveRoom,
  decide: decideRoom,
};
