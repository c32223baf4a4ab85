import { describe, expect, it } from 'vitest';
import { StoppedParts } from './stopped-parts.js';

describe('StoppedParts', () => {
  it('keeps the first part that stopped: its reason, and the promise settled with it', async () => {
    const parts = new StoppedParts();
    expect(parts.reason()).toBeNull();
    const boom = new Error('the bus refused the batch');
    parts.report('relay', boom);
    parts.report('realtime', new Error('network thread exited with code 1'));
    expect(parts.reason()).toBe('relay stopped: the bus refused the batch');
    await expect(parts.first).resolves.toEqual({ part: 'relay', error: boom });
  });
});
