import { describe, expect, it } from 'vitest';
import { highWaterDeliveries, lowWaterDeliveries, ThreadLink } from './thread-link.js';

const frame = Buffer.from('{"t":"msg"}');

/** A link whose posted batches are kept, as a network thread would receive them. */
function link() {
  const posted: unknown[][] = [];
  return { posted, link: new ThreadLink({ postMessage: (batch) => posted.push(batch) }) };
}

describe('ThreadLink', () => {
  it('posts every record of one turn as one batch, in order, once the turn is done', async () => {
    const { posted, link: l } = link();
    l.push(1, 3, 7, frame);
    l.push(0, 4, 7, 'room/a');
    l.push(0, 6, 'room/a', frame);
    expect(posted).toEqual([]);
    await Promise.resolve();
    expect(posted).toEqual([[3, 7, frame, 4, 7, 'room/a', 6, 'room/a', frame]]);
    l.push(1, 3, 8, frame);
    l.flush();
    expect(posted).toHaveLength(2);
  });

  it('keeps per-topic subscriber counts', () => {
    const { link: l } = link();
    l.subscribed('room/a', 1);
    l.subscribed('room/a', 1);
    l.subscribed('room/b', 1);
    l.subscribed('room/a', -1);
    expect([l.subscriberCount('room/a'), l.subscriberCount('room/b'), l.subscriberCount('room/c')]).toEqual([1, 1, 0]);
    l.subscribed('room/b', -1);
    expect(l.subscriberCount('room/b')).toBe(0);
  });

  it('makes the bus wait while the thread is more than the high-water mark of deliveries behind, until it is back under the low one', async () => {
    const { link: l } = link();
    // Two batches: 150,000 deliveries each (a publish to a topic with 150,000 subscribers there).
    l.push(150_000, 6, 'room/a', frame);
    l.flush();
    expect(l.caughtUp()).toBeUndefined(); // 150,000 ≤ high water
    l.push(150_000, 6, 'room/a', frame);
    l.flush();
    const waiting = l.caughtUp();
    expect(waiting).toBeInstanceOf(Promise);
    expect(l.caughtUp()).toBe(waiting); // one wait for everyone
    let released = false;
    void waiting!.then(() => (released = true));
    l.processed(); // 150,000 left: above low water
    await Promise.resolve();
    expect(released).toBe(false);
    l.processed(); // 0 left
    await waiting;
    expect(l.caughtUp()).toBeUndefined();
    expect(highWaterDeliveries).toBeGreaterThan(lowWaterDeliveries);
  });

  it('once the thread is gone (stopped or died), nothing waits for it', async () => {
    const { link: l } = link();
    l.push(highWaterDeliveries + 1, 6, 'room/a', frame);
    l.flush();
    const waiting = l.caughtUp()!;
    l.close();
    await expect(waiting).resolves.toBeUndefined();
    l.push(highWaterDeliveries + 1, 6, 'room/a', frame);
    expect(l.caughtUp()).toBeUndefined();
  });
});
