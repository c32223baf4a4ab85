import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event-store/port.js';
import { chunkBySize, fromMessageValue, toMessage } from './messages.js';

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
    expect(m.headers).toEqual({ 'parley-type': 'MessagePosted', 'parley-position': '7' });
    expect(fromMessageValue(Buffer.from(m.value))).toEqual(e);
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
