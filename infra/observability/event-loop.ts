import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './metrics.js';

/**
 * `parley_event_loop_delay_seconds{quantile}`: how late the event loop ran timers over the last
 * complete window (default 10 s). A busy or blocked loop shows here before it shows as latency.
 * Returns a stop function.
 */
export function trackEventLoopDelay(metrics: MetricsRegistry, windowMs = 10_000): () => void {
  const resolutionMs = 10;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let last = { p50: 0, p99: 0, max: 0 };
  const timer = setInterval(() => {
    // Node records the whole interval between its timer's runs, the resolution included (an idle
    // loop reads 10 ms), so the delay is what exceeds it. Nanoseconds → seconds; an empty window
    // (no samples yet) reads as 0, not NaN.
    const seconds = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - resolutionMs) / 1e3 : 0);
    last = { p50: seconds(histogram.percentile(50)), p99: seconds(histogram.percentile(99)), max: seconds(histogram.max) };
    histogram.reset();
  }, windowMs);
  timer.unref();
  const gauge = metrics.gauge('parley_event_loop_delay_seconds', `Event loop delay over the last ${windowMs / 1000} s window`);
  gauge.track({ quantile: '0.5' }, () => last.p50);
  gauge.track({ quantile: '0.99' }, () => last.p99);
  gauge.track({ quantile: '1' }, () => last.max);
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
