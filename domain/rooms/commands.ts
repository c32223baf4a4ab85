import type { ModerationAction } from '@parley/contracts';
import type { Actor } from './roles.js';

export interface CreateRoom {
  type: 'CreateRoom';
  roomId: string;
  name: string;
  owner: string | null;
  allowedProviders: string[];
  maxViewers: number | null;
  apiKeyHash: string;
  apiKeyPrefix: string;
  webhookSecret: string;
  at: number;
}

export interface UpdateRoom {
  type: 'UpdateRoom';
  actor: Actor;
  name?: string;
  allowedProviders?: string[];
  moderators?: string[];
  maxViewers?: number | null;
  filterEnabled?: boolean;
  filterWords?: string[];
  requireSignedTimestamp?: boolean;
  at: number;
}

export interface RotateApiKey {
  type: 'RotateApiKey';
  actor: Actor;
  apiKeyHash: string;
  apiKeyPrefix: string;
  at: number;
}

export interface RotateWebhookSecret {
  type: 'RotateWebhookSecret';
  actor: Actor;
  secret: string;
  /** How long the previous secret keeps working (ms); 0 = not at all. */
  graceMs: number;
  at: number;
}

export interface ModerateUser {
  type: 'ModerateUser';
  actor: Actor;
  action: ModerationAction;
  target: string;
  durationSeconds?: number;
  reason?: string;
  at: number;
}

export interface PostMessage {
  type: 'PostMessage';
  messageId: string;
  kind: string;
  payload: Record<string, unknown>;
  meta?: unknown;
  /** `source:userId` of the sender, or null. */
  sender: string | null;
  via: 'ingress' | 'socket' | 'api';
  /** Whether the room's word filter blocks the text (the filter is applied by the caller, who caches it compiled). */
  textBlocked: boolean;
  at: number;
}

export interface RemoveMessage {
  type: 'RemoveMessage';
  actor: Actor;
  messageId: string;
  reason?: string;
  at: number;
}

export type RoomCommand = CreateRoom | UpdateRoom | RotateApiKey | RotateWebhookSecret | ModerateUser | PostMessage | RemoveMessage;
