import { describe, expect, it } from 'vitest';
import { entryOf, everyone } from './frame-entry.js';
import { FrameRing } from './frame-ring.js';

const entry = (seq: number, size = 10) => entryOf({ t: 'removed', room: 'r', seq, id: 'x'.repeat(size) }, everyone);

describe('FrameRing', () => {
  it('keeps the last frames by count and moves coveredFrom past what it evicts', () => {
    const ring = new FrameRing(3, 1_000_000, 5);
    for (const seq of [5, 7, 8]) ring.push(entry(seq));
    expect(ring.coveredFrom).toBe(5);
    ring.push(entry(10));
    expect(ring.entries().map((e) => e.seq)).toEqual([7, 8, 10]);
    expect(ring.coveredFrom).toBe(6);
  });

  it('is bounded by bytes as well', () => {
    const ring = new FrameRing(100, 300, 0);
    for (let seq = 0; seq < 10; seq++) ring.push(entry(seq, 50));
    expect(ring.byteLength).toBeLessThanOrEqual(300);
    expect(ring.entries().at(-1)!.seq).toBe(9);
    expect(ring.coveredFrom).toBe(ring.entries()[0]!.seq);
  });

  it('finds the first frame after a seq, across the wrap-around', () => {
    const ring = new FrameRing(4, 1_000_000, 0);
    for (const seq of [1, 3, 4, 6, 9, 12]) ring.push(entry(seq));
    expect(ring.entries().map((e) => e.seq)).toEqual([4, 6, 9, 12]);
    expect(ring.indexAfter(0)).toBe(0);
    expect(ring.indexAfter(4)).toBe(1);
    expect(ring.indexAfter(5)).toBe(1);
    expect(ring.indexAfter(9)).toBe(3);
    expect(ring.indexAfter(12)).toBe(4);
  });
});
