import { describe, expect, it } from 'vitest';
import { trackEventLoopDelay } from './event-loop.js';
import { MetricsRegistry } from './metrics.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (metrics: MetricsRegistry, q: string) =>
  Number(new RegExp(`parley_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)`).exec(metrics.render())![1]);

describe('event-loop delay gauge', () => {
  it('reads about zero on an idle loop (the sampling interval is not a delay) and shows a blocked one', async () => {
    const metrics = new MetricsRegistry();
    const stop = trackEventLoopDelay(metrics, 400);
    try {
      await sleep(450);
      expect(quantile(metrics, '0.5')).toBeLessThan(0.006);
      await sleep(50);
      const blockedUntil = Date.now() + 120;
      while (Date.now() < blockedUntil);
      // The window holding the block is published within 400 ms; poll so a late timer cannot skip it.
      let worst = 0;
      for (let waited = 0; waited < 2000 && worst < 0.1; waited += 25) {
        await sleep(25);
        worst = Math.max(worst, quantile(metrics, '1'));
      }
      expect(worst).toBeGreaterThanOrEqual(0.1);
    } finally {
      stop();
    }
  });
});
