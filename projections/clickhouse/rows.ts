import type { RoomEvent } from '@parley/contracts';
import { asRoomEvent, type StoredEventLike } from '../shared/stored-event.js';
import { tokenize } from './tokens.js';

/*
 * Pure: events in, rows out. Each row depends on its own event only (never on rows written
 * before it), so batches may arrive in any order, twice, or interleaved across partitions.
 */

export interface AuditRow {
  event_id: string;
  position: number;
  room_id: string;
  seq: number;
  actor: string | null;
  action: string;
  changed_fields: string[];
  target: string | null;
  reason: string | null;
  until: number | null;
  at: number;
}

export interface MessageRow {
  event_id: string;
  position: number;
  room_id: string;
  seq: number;
  message_id: string;
  kind: string;
  text: string;
  display_name: string;
  sender: string | null;
  source: string;
  via: string;
  visibility: string;
  at: number;
  recorded_at: number;
  /** The distinct lower-cased words of `text`. */
  tokens: string[];
}

export interface RemovalRow {
  event_id: string;
  position: number;
  room_id: string;
  message_id: string;
  actor: string;
  reason: string | null;
  at: number;
}

export interface ProjectedRows {
  audit_log: AuditRow[];
  messages: MessageRow[];
  message_removals: RemovalRow[];
}

export type ProjectedRow = ProjectedRows[keyof ProjectedRows][number];

const bookkeeping = new Set(['roomId', 'updatedBy', 'updatedAt']);
const changedFieldsOf = (data: Record<string, unknown>): string[] => Object.keys(data).filter((k) => !bookkeeping.has(k) && data[k] !== undefined);

const stringOr = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

type AuditFields = Omit<AuditRow, 'event_id' | 'position' | 'room_id' | 'seq'>;
const none = { changed_fields: [], target: null, reason: null, until: null };

/**
 * Credential events are all written as rotations; the first of each kind in a room is part of
 * the room's creation and is left out by the audit query (lowest seq per room and action), which
 * needs no knowledge of earlier events here.
 */
function auditFieldsOf(event: RoomEvent): AuditFields | undefined {
  switch (event.type) {
    case 'RoomCreated':
      return { ...none, actor: event.data.owner, action: 'room.created', at: event.data.createdAt };
    case 'RoomUpdated':
      return { ...none, actor: event.data.updatedBy, action: 'room.updated', changed_fields: changedFieldsOf(event.data), at: event.data.updatedAt };
    case 'ApiKeyIssued':
      return { ...none, actor: event.data.issuedBy, action: 'room.api_key_rotated', at: event.data.issuedAt };
    case 'WebhookSecretSet':
      return { ...none, actor: event.data.setBy, action: 'room.webhook_secret_rotated', until: event.data.previousValidUntil, at: event.data.setAt };
    case 'UserModerated':
      return { actor: event.data.actor, action: `user.${event.data.action}`, changed_fields: [], target: event.data.target, reason: event.data.reason, until: event.data.until, at: event.data.at };
    case 'ChatMessageRemoved':
      return { ...none, actor: event.data.actor, action: 'message.removed', target: event.data.messageId, reason: event.data.reason, at: event.data.at };
    case 'ChatMessagePosted':
      return undefined;
  }
}

export const emptyRows = (): ProjectedRows => ({ audit_log: [], messages: [], message_removals: [] });

/** Adds the rows of one event to `into`; events of other streams add nothing. Hot path: no spreads. */
export function addRowsOf(stored: StoredEventLike, into: ProjectedRows): void {
  const room = asRoomEvent(stored);
  if (room === undefined) return;
  const { roomId, seq, position, event } = room;

  if (event.type === 'ChatMessagePosted') {
    const { data } = event;
    const text = stringOr(data.payload.text, '');
    into.messages.push({
      event_id: stored.id,
      position,
      room_id: roomId,
      seq,
      message_id: data.messageId,
      kind: data.kind,
      text,
      display_name: stringOr(data.payload.displayName, ''),
      sender: data.sender,
      // Ingress without a source is a plain webhook (as the ingress counts it); socket and API posts have none.
      source: stringOr(data.payload.source, data.via === 'ingress' ? 'webhook' : ''),
      via: data.via,
      visibility: data.visibility,
      at: data.at,
      recorded_at: stored.recordedAt,
      tokens: tokenize(text),
    });
    return;
  }

  const audit = auditFieldsOf(event);
  if (audit !== undefined) {
    into.audit_log.push({
      event_id: stored.id,
      position,
      room_id: roomId,
      seq,
      actor: audit.actor,
      action: audit.action,
      changed_fields: audit.changed_fields,
      target: audit.target,
      reason: audit.reason,
      until: audit.until,
      at: audit.at,
    });
  }

  if (event.type === 'ChatMessageRemoved') {
    const { data } = event;
    into.message_removals.push({ event_id: stored.id, position, room_id: roomId, message_id: data.messageId, actor: data.actor, reason: data.reason, at: data.at });
  }
}

export function rowsOf(events: readonly StoredEventLike[]): ProjectedRows {
  const rows = emptyRows();
  for (const e of events) addRowsOf(e, rows);
  return rows;
}
