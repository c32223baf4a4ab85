import type { ModerationAction, RoomEvent } from '@parley/contracts';

/** What one moderation restriction does to a user, with its end (null = until lifted). */
export interface Restriction {
  until: number | null;
  reason: string | null;
}

export interface UserRestrictions {
  ban?: Restriction;
  mute?: Restriction;
  stealth?: Restriction;
}

export interface RoomState {
  exists: boolean;
  roomId: string;
  name: string;
  owner: string | null;
  allowedProviders: string[];
  moderators: string[];
  maxViewers: number | null;
  filterEnabled: boolean;
  filterWords: string[];
  requireSignedTimestamp: boolean;
  apiKeyHash: string | null;
  webhookSecret: string | null;
  previousWebhookSecret: string | null;
  previousWebhookSecretValidUntil: number | null;
  restrictions: Record<string, UserRestrictions>;
  createdAt: number;
}

export const initialRoomState: RoomState = {
  exists: false,
  roomId: '',
  name: '',
  owner: null,
  allowedProviders: [],
  moderators: [],
  maxViewers: null,
  filterEnabled: false,
  filterWords: [],
  requireSignedTimestamp: false,
  apiKeyHash: null,
  webhookSecret: null,
  previousWebhookSecret: null,
  previousWebhookSecretValidUntil: null,
  restrictions: {},
  createdAt: 0,
};

const restrictionKey: Record<Exclude<ModerationAction, 'unban' | 'unmute'>, keyof UserRestrictions> = {
  ban: 'ban',
  mute: 'mute',
  stealth: 'stealth',
};

function applyModeration(current: UserRestrictions, action: ModerationAction, restriction: Restriction): UserRestrictions {
  switch (action) {
    case 'unban': {
      // Lifting a ban also lifts a stealth ban: both keep a user's messages from the room.
      const { ban: _ban, stealth: _stealth, ...rest } = current;
      return rest;
    }
    case 'unmute': {
      const { mute: _mute, ...rest } = current;
      return rest;
    }
    default:
      return { ...current, [restrictionKey[action]]: restriction };
  }
}

export function evolveRoom(state: RoomState, event: RoomEvent): RoomState {
  switch (event.type) {
    case 'RoomCreated':
      return {
        ...state,
        exists: true,
        roomId: event.data.roomId,
        name: event.data.name,
        owner: event.data.owner,
        allowedProviders: event.data.allowedProviders,
        maxViewers: event.data.maxViewers,
        createdAt: event.data.createdAt,
      };
    case 'RoomUpdated': {
      const { roomId: _r, updatedBy: _b, updatedAt: _a, ...changes } = event.data;
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      return { ...state, ...defined };
    }
    case 'ApiKeyIssued':
      return { ...state, apiKeyHash: event.data.keyHash };
    case 'WebhookSecretSet':
      return {
        ...state,
        previousWebhookSecret: event.data.previousValidUntil === null ? null : state.webhookSecret,
        previousWebhookSecretValidUntil: event.data.previousValidUntil,
        webhookSecret: event.data.secret,
      };
    case 'UserModerated': {
      const { target, action, until, reason } = event.data;
      const next = applyModeration(state.restrictions[target] ?? {}, action, { until, reason });
      const restrictions = { ...state.restrictions };
      if (Object.keys(next).length === 0) delete restrictions[target];
      else restrictions[target] = next;
      return { ...state, restrictions };
    }
    case 'ChatMessagePosted':
    case 'ChatMessageRemoved':
      return state;
  }
}

const activeAt = (r: Restriction | undefined, now: number): boolean => r !== undefined && (r.until === null || r.until > now);

/** The restrictions on a user that are still in force at `now`. */
export function activeRestrictions(state: RoomState, userId: string, now: number): { banned: boolean; muted: boolean; stealthed: boolean } {
  const r = state.restrictions[userId];
  return {
    banned: activeAt(r?.ban, now),
    muted: activeAt(r?.mute, now),
    stealthed: activeAt(r?.stealth, now),
  };
}
