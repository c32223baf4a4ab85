import type { EventStore } from '@parley/infra/event-store';
import type { MetricsRegistry } from '@parley/infra/observability';

/** The store with append counts and latency recorded. */
export function instrumentedStore(store: EventStore, metrics: MetricsRegistry): EventStore {
  const appends = metrics.counter('parley_event_store_appends_total', 'Appends by outcome');
  const events = metrics.counter('parley_event_store_events_appended_total', 'Events appended');
  const latency = metrics.histogram('parley_event_store_append_duration_seconds', 'Append latency (durable)');
  return {
    ...store,
    kind: store.kind,
    async append(stream, newEvents, expected) {
      const start = performance.now();
      try {
        const result = await store.append(stream, newEvents, expected);
        appends.inc({ outcome: result.duplicate ? 'duplicate' : 'ok' });
        if (!result.duplicate) events.inc({}, newEvents.length);
        return result;
      } catch (error) {
        appends.inc({ outcome: 'error' });
        throw error;
      } finally {
        latency.observe({}, (performance.now() - start) / 1000);
      }
    },
    readStream: (...a) => store.readStream(...a),
    readAll: (...a) => store.readAll(...a),
    subscribeToAll: (...a) => store.subscribeToAll(...a),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
