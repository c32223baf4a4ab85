import type { StoredEvent } from '../../event-store/port.js';
import { partitionKeyOf } from '../port.js';

export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** One event as one Kafka record: key = its partition key (the room's stream), value = the StoredEvent as JSON. */
export function toMessage(event: StoredEvent): OutgoingMessage {
  return {
    key: partitionKeyOf(event),
    value: JSON.stringify(event),
    headers: { 'parley-type': event.type, 'parley-position': String(event.position) },
  };
}

export function fromMessageValue(value: Buffer | null): StoredEvent {
  if (!value) throw new Error('kafka record without a value on the events topic');
  return JSON.parse(value.toString('utf8')) as StoredEvent;
}

/**
 * Splits a publish into sends of at most `maxBytes` of values (whole messages, order kept), so
 * one record batch never exceeds the broker's message.max.bytes (1 MiB by default) however many
 * events the relay hands over at once.
 */
export function chunkBySize<T extends { value: string }>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = Buffer.byteLength(m.value) + 64;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
