import type { StoredEvent } from '../event-store/port.js';
import type { Bus } from './port.js';

type Handler = (events: StoredEvent[]) => Promise<void> | void;

/**
 * The embedded profile's bus: one process, one member per group. `publish` resolves when every
 * group has handled the batch, so a slow consumer slows the relay instead of growing memory.
 */
export function inprocBus(): Bus {
  const groups = new Map<string, Set<Handler>>();
  return {
    kind: 'inproc',
    async publish(events) {
      if (events.length === 0) return;
      const batch = [...events];
      const work: Array<Promise<void> | void> = [];
      for (const handlers of groups.values()) for (const h of handlers) work.push(h(batch));
      await Promise.all(work);
    },
    async subscribe({ group }, handler) {
      let handlers = groups.get(group);
      if (!handlers) groups.set(group, (handlers = new Set()));
      handlers.add(handler);
      return {
        close: async () => {
          handlers.delete(handler);
        },
      };
    },
    async close() {
      groups.clear();
    },
  };
}
