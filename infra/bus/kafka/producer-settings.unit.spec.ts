import { describe, expect, it } from 'vitest';
import { PRODUCER_SETTINGS, SEND_ACKS } from './kafka-bus.js';

// The record key (the room's stream id) is asserted in messages.unit.spec.ts.
describe('kafka bus producer settings', () => {
  it('uses an idempotent producer, so its own retries write no duplicates', () => {
    expect(PRODUCER_SETTINGS.idempotent).toBe(true);
  });

  it('keeps one request in flight, so a room’s records stay in publish order', () => {
    expect(PRODUCER_SETTINGS.maxInFlightRequests).toBe(1);
  });

  it('sends with acks all (-1): publish resolves only once every in-sync replica has the records', () => {
    expect(SEND_ACKS).toBe(-1);
  });
});
