import { describe, expect, it } from 'vitest';
import { encodeStoredEvent, type StoredEvent } from '../../event-store/port.js';
import { chunkBySize, fromMessageValue, toMessages } from './messages.js';

const toMessage = (e: StoredEvent) => toMessages([encodeStoredEvent(e)])[0]!;

const event = (stream: string, position: number, text = 'x'): StoredEvent => ({
  id: `id-${position}`,
  stream,
  revision: position - 1,
  position,
  type: 'MessagePosted',
  data: { text },
  metadata: { actor: 'u1' },
  recordedAt: 1700000000000,
});

describe('kafka messages', () => {
  it('keys a record by the event stream and carries the whole event', () => {
    const e = event('room-42', 7);
    const m = toMessage(e);
    expect(m.key).toBe('room-42');
    expect(m.headers).toEqual({ 'parley-first-position': '7', 'parley-last-position': '7' });
    expect(fromMessageValue(Buffer.from(m.value))).toEqual([e]);
  });

  it("puts each room's events of a publish in one record, in order, and splits a record only past its byte budget", () => {
    const events = [event('room-a', 1), event('room-b', 2), event('room-a', 3), event('room-c', 4), event('room-a', 5), event('room-b', 6)];
    const records = toMessages(events.map(encodeStoredEvent));
    expect(records.map((r) => r.key)).toEqual(['room-a', 'room-b', 'room-c']);
    expect(records.map((r) => fromMessageValue(Buffer.from(r.value)).map((e) => e.position))).toEqual([[1, 3, 5], [2, 6], [4]]);
    expect(records[0]!.headers).toEqual({ 'parley-first-position': '1', 'parley-last-position': '5' });

    const big = Array.from({ length: 10 }, (_, i) => event('room-a', i + 1, 'y'.repeat(1000)));
    const split = toMessages(big.map(encodeStoredEvent), 3000);
    expect(split.length).toBeGreaterThan(3);
    for (const r of split) expect(Buffer.byteLength(r.value)).toBeLessThanOrEqual(3000);
    expect(split.flatMap((r) => fromMessageValue(Buffer.from(r.value)))).toEqual(big);
  });

  it("encodes an event's data from its dataJson when the store has it, and never the dataJson itself", () => {
    const plain = event('room-1', 7, 'q"uote é');
    const withText = { ...plain, dataJson: JSON.stringify(plain.data) };
    const marked = { ...plain, dataJson: '{"text":"from dataJson"}' };
    expect(JSON.parse(encodeStoredEvent(plain).json)).toEqual(plain);
    expect(JSON.parse(encodeStoredEvent(withText).json)).toEqual(plain);
    expect(JSON.parse(encodeStoredEvent(marked).json)).toEqual({ ...plain, data: { text: 'from dataJson' } });
    expect(fromMessageValue(Buffer.from(toMessage(withText).value))).toEqual([plain]);
  });

  it('reads a record written one event per record (before grouping) as that one event', () => {
    const e = event('room-1', 3);
    expect(fromMessageValue(Buffer.from(JSON.stringify(e)))).toEqual([e]);
  });

  it('refuses a record without a value', () => {
    expect(() => fromMessageValue(null)).toThrow(/without a value/);
  });

  it('splits a publish into chunks under the byte budget, keeping order and every message', () => {
    const messages = Array.from({ length: 50 }, (_, i) => toMessage(event('r', i + 1, 'y'.repeat(1000))));
    const chunks = chunkBySize(messages, 10_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(messages);
    for (const c of chunks) expect(c.reduce((n, m) => n + Buffer.byteLength(m.value) + 64, 0)).toBeLessThanOrEqual(10_000);
  });

  it('sends a message larger than the budget alone rather than dropping it', () => {
    const big = toMessage(event('r', 1, 'z'.repeat(5000)));
    const small = toMessage(event('r', 2));
    expect(chunkBySize([small, big, small], 1000)).toEqual([[small], [big], [small]]);
  });
});
