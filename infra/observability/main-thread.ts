import { trackEventLoopDelay } from './event-loop.js';
import { trackGcPauses } from './gc-pauses.js';
import type { MetricsRegistry } from './metrics.js';

/** What every process reports of its main thread on /metrics: event-loop delay and GC pauses. Returns one stop function. */
export function trackMainThread(metrics: MetricsRegistry): () => void {
  const stops = [trackEventLoopDelay(metrics), trackGcPauses(metrics)];
  return () => stops.forEach((stop) => stop());
}
