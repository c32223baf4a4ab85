import type { EncodedEvent, StoredEvent } from '../../event-store/port.js';
import { partitionKeyOf } from '../port.js';

export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * A publish as Kafka records: each room's events of the publish, in order, share one record
 * (key = the room's stream, value = a JSON array of StoredEvents), split only past
 * `maxRecordBytes`. kafkajs spends most of a relay's and a consumer's CPU per record (encoding,
 * CRC, partitioner), so a record per event cost more than the events themselves once ingress
 * came in batches. Records of one key keep their order; records of different keys never had one.
 * Headers: the first and last global position the record carries.
 */
export function toMessages(events: readonly EncodedEvent[], maxRecordBytes = 128 * 1024): OutgoingMessage[] {
  const byKey = new Map<string, EncodedEvent[]>();
  for (const e of events) {
    const key = partitionKeyOf(e);
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  const out: OutgoingMessage[] = [];
  for (const [key, list] of byKey) {
    let parts: string[] = [];
    let size = 2;
    let first = list[0]!.position;
    let last = first;
    const flush = () => {
      out.push({ key, value: `[${parts.join(',')}]`, headers: { 'parley-first-position': String(first), 'parley-last-position': String(last) } });
      parts = [];
      size = 2;
    };
    for (const e of list) {
      const json = e.json;
      if (parts.length > 0 && size + json.length + 1 > maxRecordBytes) flush();
      if (parts.length === 0) first = e.position;
      parts.push(json);
      size += json.length + 1;
      last = e.position;
    }
    flush();
  }
  return out;
}

/** The events of one record: a JSON array, or (records written before events were grouped) one event. */
export function fromMessageValue(value: Buffer | null): StoredEvent[] {
  if (!value) throw new Error('kafka record without a value on the events topic');
  const parsed = JSON.parse(value.toString('utf8')) as StoredEvent[] | StoredEvent;
  return Array.isArray(parsed) ? parsed : [parsed];
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
