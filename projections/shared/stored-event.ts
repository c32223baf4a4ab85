import { roomIdOfStream, type RoomEvent, type RoomEventType } from '@parley/contracts';

/**
 * An event as the store hands it out. Structurally the same as infra's `StoredEvent`, declared
 * here because projections may not import infra.
 */
export interface StoredEventLike {
  id: string;
  stream: string;
  /** Counts from 0 within the stream; for a room stream it is the room's sequence number. */
  revision: number;
  /** Counts from 1 across all streams. */
  position: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: number;
  /**
   * `data` as the JSON text the store holds, when the reader has it at hand: a projection that
   * keeps the data as text (the timeline) then neither decodes nor encodes it.
   */
  readonly dataJson?: string;
}

const roomEventTypes: ReadonlySet<string> = new Set<RoomEventType>([
  'RoomCreated',
  'RoomUpdated',
  'ApiKeyIssued',
  'WebhookSecretSet',
  'UserModerated',
  'ChatMessagePosted',
  'ChatMessageRemoved',
]);

/** A room-stream event with its room id and sequence number, or undefined for anything else. */
export interface RoomEventEnvelope {
  roomId: string;
  seq: number;
  position: number;
  event: RoomEvent;
}

/**
 * Reads a stored event as a room event. Payloads are not re-validated: only the deciders write
 * them, so their shape is the catalog's. The event is the stored event itself, not a copy of its
 * type and data: a reader that decodes data on first use (the projector's) then decodes only the
 * events a projection looks into.
 */
export function asRoomEvent(stored: StoredEventLike): RoomEventEnvelope | undefined {
  const roomId = roomIdOfStream(stored.stream);
  if (roomId === undefined || !roomEventTypes.has(stored.type)) return undefined;
  return { roomId, seq: stored.revision, position: stored.position, event: stored as Pick<StoredEventLike, 'type' | 'data'> as RoomEvent };
}
