/**
 * Events of a stream room (stream `room-<roomId>`). The stream's revision is the room's
 * sequence number: frames, timeline and replays all count by it.
 */

export const roomStream = (roomId: string) => `room-${roomId}`;
export const roomIdOfStream = (stream: string): string | undefined => (stream.startsWith('room-') ? stream.slice(5) : undefined);

export type ModerationAction = 'ban' | 'mute' | 'unban' | 'unmute' | 'stealth';

export interface RoomCreated {
  type: 'RoomCreated';
  data: {
    roomId: string;
    name: string;
    /** `provider:id`, or null for a room created without a token. */
    owner: string | null;
    allowedProviders: string[];
    maxViewers: number | null;
    createdAt: number;
  };
}

export interface RoomUpdated {
  type: 'RoomUpdated';
  data: {
    roomId: string;
    name?: string;
    allowedProviders?: string[];
    moderators?: string[];
    maxViewers?: number | null;
    filterEnabled?: boolean;
    filterWords?: string[];
    requireSignedTimestamp?: boolean;
    updatedBy: string;
    updatedAt: number;
  };
}

/** Only the hash of the key is kept; the key itself is shown once. */
export interface ApiKeyIssued {
  type: 'ApiKeyIssued';
  data: { roomId: string; keyHash: string; keyPrefix: string; issuedBy: string | null; issuedAt: number };
}

/**
 * The HMAC secret must be usable to verify signatures, so it is kept (encrypted at rest is future
 * work); the previous one stays valid until `previousValidUntil`.
 */
export interface WebhookSecretSet {
  type: 'WebhookSecretSet';
  data: { roomId: string; secret: string; previousValidUntil: number | null; setBy: string | null; setAt: number };
}

export interface UserModerated {
  type: 'UserModerated';
  data: {
    roomId: string;
    action: ModerationAction;
    target: string;
    /** ms epoch when a temporary ban/mute/stealth ends; null = until lifted. */
    until: number | null;
    reason: string | null;
    actor: string;
    at: number;
  };
}

export interface ChatMessagePosted {
  type: 'ChatMessagePosted';
  data: {
    roomId: string;
    messageId: string;
    /** Ingress `type` ("chat", "event", …) or "chat" for socket posts. */
    kind: string;
    /** The ingress payload, validated (text, displayName, userId, …). */
    payload: Record<string, unknown>;
    /** Passed to clients unchanged. */
    meta?: unknown;
    /** `source:userId` of the sender, or null for an anonymous webhook. */
    sender: string | null;
    /** 'all', or only moderators and the sender's own connections (stealth). */
    visibility: 'all' | 'moderators_and_sender';
    via: 'ingress' | 'socket' | 'api';
    at: number;
  };
}

export interface ChatMessageRemoved {
  type: 'ChatMessageRemoved';
  data: { roomId: string; messageId: string; actor: string; reason: string | null; at: number };
}

export type RoomEvent =
  | RoomCreated
  | RoomUpdated
  | ApiKeyIssued
  | WebhookSecretSet
  | UserModerated
  | ChatMessagePosted
  | ChatMessageRemoved;

export type RoomEventType = RoomEvent['type'];

/** Events that change room state (everything but the chat traffic). */
export const roomStateEventTypes: readonly RoomEventType[] = ['RoomCreated', 'RoomUpdated', 'ApiKeyIssued', 'WebhookSecretSet', 'UserModerated'];
