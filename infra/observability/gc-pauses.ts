import { PerformanceObserver } from 'node:perf_hooks';
import type { MetricsRegistry } from './metrics.js';

/** Bounds of `parley_gc_pause_seconds`: scavenges take well under a millisecond, full collections tens. */
export const gcPauseBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

/**
 * `parley_gc_pause_seconds`: every garbage-collection pause of this thread (V8's own timing of each
 * collection, as `perf_hooks` reports it). A tail that the event-loop delay shows but no request
 * explains may be here. Returns a stop function.
 */
export function trackGcPauses(metrics: MetricsRegistry): () => void {
  const histogram = metrics.histogram('parley_gc_pause_seconds', 'Garbage-collection pauses of the main thread', gcPauseBuckets);
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) histogram.observe({}, entry.duration / 1000);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
