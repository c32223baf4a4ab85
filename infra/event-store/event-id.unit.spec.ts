import { describe, expect, it } from 'vitest';
import { newEventId as eventId } from './event-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newEventId (UUIDv7)', () => {
  it('has the UUIDv7 layout, with the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = eventId(at + 10_000_000);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at + 10_000_000);
  });

  it('sorts in creation order, also many ids in one millisecond', () => {
    const at = Date.now() + 20_000_000;
    const ids = Array.from({ length: 10_000 }, () => eventId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const later = eventId(at + 1);
    expect(later > ids[ids.length - 1]!).toBe(true);
  });

  it('never goes backwards when the clock does', () => {
    const at = Date.now() + 30_000_000;
    const first = eventId(at);
    expect(eventId(at - 5_000) > first).toBe(true);
  });
});
