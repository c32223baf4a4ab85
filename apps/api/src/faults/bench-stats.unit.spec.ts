import { describe, expect, it } from 'vitest';
import { gcPauseBuckets, MetricsRegistry } from '@parley/infra/observability';
import { eventAgeHistogram } from '../ops/event-age.js';
import { bucketsBetween, histogramBuckets, quantileBound } from '../../../../loadtest/lib/prometheus-histogram.mjs';
import { eventAgesBetween, gcPausesBetween } from './bench-stats.js';

const scrape = (counts: number[]) =>
  [
    '# TYPE parley_x_seconds histogram',
    ...[0.01, 0.05, 0.1].map((le, i) => `parley_x_seconds_bucket{le="${le}"} ${counts[i]}`),
    `parley_x_seconds_bucket{le="+Inf"} ${counts[3]}`,
    `parley_x_seconds_sum 1.5`,
    `parley_x_seconds_count ${counts[3]}`,
    'parley_y_seconds_bucket{le="0.01"} 99',
  ].join('\n');

describe('histogram quantiles from /metrics', () => {
  it('reads the cumulative buckets of one histogram, +Inf last', () => {
    expect(histogramBuckets(scrape([1, 2, 3, 4]), 'parley_x_seconds')).toEqual([[0.01, 1], [0.05, 2], [0.1, 3], [Infinity, 4]]);
    expect(histogramBuckets(scrape([1, 2, 3, 4]), 'parley_absent_seconds')).toEqual([]);
  });

  it('reads one labelled series, as the registry renders it, apart from its siblings', () => {
    const metrics = new MetricsRegistry();
    const requests = metrics.histogram('parley_http_request_duration_seconds', 'requests', [0.005, 0.025]);
    const ingress = { method: 'POST', route: 'POST /rooms/{room}/ingress' };
    requests.observe(ingress, 0.001);
    requests.observe(ingress, 0.01);
    requests.observe({ method: 'GET', route: 'GET /healthz' }, 0.001);
    const text = metrics.render();
    expect(histogramBuckets(text, 'parley_http_request_duration_seconds', 'method="POST",route="POST /rooms/{room}/ingress"')).toEqual([[0.005, 1], [0.025, 2], [Infinity, 2]]);
    expect(histogramBuckets(text, 'parley_http_request_duration_seconds', 'method="GET",route="GET /healthz"')).toEqual([[0.005, 1], [0.025, 1], [Infinity, 1]]);
    // Without labels only an unlabelled series is read, and this histogram has none.
    expect(histogramBuckets(text, 'parley_http_request_duration_seconds')).toEqual([]);
  });

  it('gives the upper bound of the bucket that holds the quantile, of what two scrapes saw between them', () => {
    const before = histogramBuckets(scrape([50, 50, 50, 50]), 'parley_x_seconds');
    // 100 more: 90 within 10 ms, 9 within 50 ms, 1 over 100 ms.
    const after = histogramBuckets(scrape([140, 149, 149, 150]), 'parley_x_seconds');
    const between = bucketsBetween(before, after);
    expect(between).toEqual([[0.01, 90], [0.05, 99], [0.1, 99], [Infinity, 100]]);
    expect(quantileBound(between, 0.5)).toBe(0.01);
    expect(quantileBound(between, 0.9)).toBe(0.01);
    expect(quantileBound(between, 0.99)).toBe(0.05);
    expect(quantileBound(between, 1)).toBe(Infinity);
    expect(quantileBound(bucketsBetween(before, before), 0.5)).toBeNaN();
    expect(bucketsBetween([], before)).toEqual(before);
    // The process restarted between the scrapes: what it counted since.
    const restarted = histogramBuckets(scrape([3, 4, 4, 5]), 'parley_x_seconds');
    expect(bucketsBetween(before, restarted)).toEqual(restarted);
  });

  it('summarises the event-age histograms a process renders, over what happened between two scrapes', () => {
    const metrics = new MetricsRegistry();
    const relay = eventAgeHistogram(metrics, 'relay');
    for (let i = 0; i < 10; i++) relay(500); // before: half a second old
    const before = metrics.render();
    for (let i = 0; i < 99; i++) relay(3);
    relay(120);
    const ages = eventAgesBetween(before, metrics.render());
    expect(ages).toEqual({ relay: { events: 100, p50AtMostMs: 5, p99AtMostMs: 5 } });
    relay(-20); // a writer's clock ahead of this one: counted as no age at all
    expect(eventAgesBetween(before, metrics.render()).relay).toEqual({ events: 101, p50AtMostMs: 5, p99AtMostMs: 5 });
    expect(eventAgesBetween(metrics.render(), metrics.render())).toEqual({});
  });

  it('sums up the garbage-collection pauses a process reports, over what happened between two scrapes', () => {
    const metrics = new MetricsRegistry();
    const pauses = metrics.histogram('parley_gc_pause_seconds', 'pauses', gcPauseBuckets);
    pauses.observe({}, 0.2); // before the run: not counted
    const before = metrics.render();
    for (let i = 0; i < 97; i++) pauses.observe({}, 0.0004);
    pauses.observe({}, 0.008);
    pauses.observe({}, 0.012);
    pauses.observe({}, 0.03);
    expect(gcPausesBetween(before, metrics.render())).toEqual({ pauses: 100, pausedMs: Math.round(97 * 0.4 + 8 + 12 + 30), over10Ms: 2, longestAtMostMs: 50 });
    expect(gcPausesBetween(metrics.render(), metrics.render())).toBeNull();
    expect(gcPausesBetween('', 'parley_other_total 3')).toBeNull();
    // The process restarted between the scrapes: what it counted since.
    const restarted = new MetricsRegistry();
    restarted.histogram('parley_gc_pause_seconds', 'pauses', gcPauseBuckets).observe({}, 0.002);
    expect(gcPausesBetween(metrics.render(), restarted.render())).toEqual({ pauses: 1, pausedMs: 2, over10Ms: 0, longestAtMostMs: 2.5 });
  });
});
