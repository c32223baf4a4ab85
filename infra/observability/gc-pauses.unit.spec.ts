import { describe, expect, it } from 'vitest';
import { trackGcPauses } from './gc-pauses.js';
import { MetricsRegistry } from './metrics.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (metrics: MetricsRegistry) => Number(/^parley_gc_pause_seconds_count (\S+)$/m.exec(metrics.render())?.[1] ?? 0);

describe('garbage-collection pause histogram', () => {
  it('counts the pauses of the collections that allocation causes, with their time, and stops counting when stopped', async () => {
    const metrics = new MetricsRegistry();
    const stop = trackGcPauses(metrics);
    let kept: unknown[] = [];
    // Young-generation space fills after a few MB of short-lived objects: each fill is a scavenge.
    for (let round = 0; round < 50 && count(metrics) === 0; round++) {
      for (let i = 0; i < 200_000; i++) kept.push({ i, text: `object ${i}` });
      kept = [];
      await sleep(10); // entries are delivered to the observer asynchronously
    }
    expect(count(metrics)).toBeGreaterThan(0);
    expect(Number(/^parley_gc_pause_seconds_sum (\S+)$/m.exec(metrics.render())![1])).toBeGreaterThan(0);
    expect(metrics.render()).toMatch(/^parley_gc_pause_seconds_bucket\{le="\+Inf"\} \d+$/m);

    stop();
    await sleep(20); // a pause from before the stop may still be on its way
    const seen = count(metrics);
    for (let i = 0; i < 1_000_000; i++) kept.push({ i });
    kept = [];
    await sleep(50);
    expect(count(metrics)).toBe(seen);
  });
});
