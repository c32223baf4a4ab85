import { describe, expect, it } from 'vitest';
import { restartDecision } from '../../../scripts/restart-policy.mjs';

describe('npm run cluster: starting a node again after it exited by itself', () => {
  it('starts it again, up to five exits within a minute', () => {
    let exits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const decision = restartDecision(exits, 1_000 + i * 1_000);
      expect(decision.restart).toBe(true);
      exits = decision.recent;
    }
    expect(exits).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it('gives up on the sixth exit within a minute (a crash loop): the cluster stops', () => {
    expect(restartDecision([1_000, 2_000, 3_000, 4_000, 5_000], 6_000)).toEqual({ restart: false, recent: [1_000, 2_000, 3_000, 4_000, 5_000, 6_000] });
  });

  it('forgets exits a minute old or older', () => {
    expect(restartDecision([1_000, 2_000, 3_000, 4_000, 5_000], 62_000)).toEqual({ restart: true, recent: [3_000, 4_000, 5_000, 62_000] });
    expect(restartDecision([], 0, { maxExits: 0 }).restart).toBe(false);
  });
});
