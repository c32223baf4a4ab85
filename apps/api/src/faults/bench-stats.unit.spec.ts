import { describe, expect, it } from 'vitest';
import { bucketsBetween, histogramBuckets, quantileBound } from './bench-stats.js';

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
  });
});
