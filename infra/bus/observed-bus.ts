import type { StoredEvent } from '../event-store/port.js';
import type { Bus } from './port.js';

/** The same bus, with `observe` seeing each batch a subscription receives just before its handler. */
export const observedBus = (bus: Bus, observe: (events: StoredEvent[]) => void): Bus => ({
  kind: bus.kind,
  publish: (events) => bus.publish(events),
  subscribe: (options, handler) =>
    bus.subscribe(options, (events) => {
      observe(events);
      return handler(events);
    }),
  close: () => bus.close(),
});
