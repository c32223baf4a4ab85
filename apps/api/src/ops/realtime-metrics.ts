import type { MetricsRegistry } from '@parley/infra/observability';
import type { Realtime } from '@parley/infra/realtime';

const gauges = new Set(['connections', 'sseConnections']);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every realtime counter as a Prometheus series, read at scrape time. */
export function exportRealtimeMetrics(metrics: MetricsRegistry, realtime: Realtime): void {
  for (const key of Object.keys(realtime.metrics) as Array<keyof Realtime['metrics']>) {
    const name = `parley_realtime_${snake(key)}${gauges.has(key) ? '' : '_total'}`;
    metrics.gauge(name, `Realtime ${key}`).track({}, () => realtime.metrics[key]);
  }
}
