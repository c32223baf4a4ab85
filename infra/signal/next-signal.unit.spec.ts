import { describe, expect, it } from 'vitest';
import { NextSignal } from './next-signal.js';

describe('NextSignal', () => {
  it('gives every waiter until the next fire one promise, settled by that fire; later waiters wait for the next', async () => {
    const signal = new NextSignal();
    signal.fire(); // nobody waits: nothing to settle, nothing kept
    const first = signal.wait();
    expect(signal.wait()).toBe(first);
    let settled = false;
    void first.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    signal.fire();
    await first;
    const second = signal.wait();
    expect(second).not.toBe(first);
    signal.fire();
    await expect(second).resolves.toBeUndefined();
  });
});
