import type { EncodedEvent, StoredEvent } from '../event-store/port.js';

export interface BusSubscribeOptions {
  /** Consumers of one group share the work; every group sees every event. */
  group: string;
}

export interface BusSubscription {
  close(): Promise<void>;
}

/**
 * Carries the store's events, in global order per key, to fan-out nodes and projectors.
 * The key is the event's stream (one room = one stream), so one room's events stay in order.
 */
export interface Bus {
  readonly kind: string;
  publish(events: readonly StoredEvent[]): Promise<void>;
  /**
   * Optional: `publish` for events already in their JSON text (a relay forwarding the store's
   * log as it reads it). Subscribers receive the same StoredEvents either way.
   */
  publishEncoded?(events: readonly EncodedEvent[]): Promise<void>;
  subscribe(options: BusSubscribeOptions, handler: (events: StoredEvent[]) => Promise<void> | void): Promise<BusSubscription>;
  close(): Promise<void>;
}

export const partitionKeyOf = (event: Pick<StoredEvent, 'stream'>): string => event.stream;
