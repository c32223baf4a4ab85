import { describe, expect, it } from 'vitest';
import { InsertionOrderMap } from './insertion-order-map.js';

/** The reference: a plain Map, whose iteration order is the insertion order. */
const oldestOf = (reference: Map<string, number>) => {
  const first = reference.entries().next();
  return first.done ? undefined : first.value;
};

describe('InsertionOrderMap', () => {
  it('reads and deletes from the old end in insertion order', () => {
    const map = new InsertionOrderMap<string, number>();
    map.set('a', 1).set('b', 2).set('c', 3);
    map.set('a', 10); // keeps its place
    expect(map.oldest()).toEqual(['a', 10]);
    map.setNewest('a', 11); // moves to the new end
    expect(map.deleteOldest()).toEqual(['b', 2]);
    expect(map.deleteOldest()).toEqual(['c', 3]);
    expect(map.deleteOldest()).toEqual(['a', 11]);
    expect(map.deleteOldest()).toBeUndefined();
    expect(map.size).toBe(0);
    map.set('d', 4);
    expect(map.oldest()).toEqual(['d', 4]);
  });

  it('deletes expired entries from the old end, up to a maximum', () => {
    const map = new InsertionOrderMap<string, number>();
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i);
    expect(map.deleteOldestWhile((at) => at < 6, 4)).toBe(4);
    expect(map.oldest()).toEqual(['k4', 4]);
    expect(map.deleteOldestWhile((at) => at < 6)).toBe(2);
    expect(map.oldest()).toEqual(['k6', 6]);
    expect(map.size).toBe(4);
  });

  it('agrees with a plain Map over 50,000 random operations', () => {
    const map = new InsertionOrderMap<string, number>();
    const reference = new Map<string, number>();
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 50_000; step++) {
      const key = `k${Math.floor(random() * 200)}`;
      const op = random();
      if (op < 0.3) {
        map.set(key, step);
        reference.set(key, step);
      } else if (op < 0.55) {
        map.setNewest(key, step);
        reference.delete(key);
        reference.set(key, step);
      } else if (op < 0.7) {
        expect(map.delete(key)).toBe(reference.delete(key));
      } else if (op < 0.85) {
        const expected = oldestOf(reference);
        if (expected) reference.delete(expected[0]);
        expect(map.deleteOldest()).toEqual(expected);
      } else {
        expect(map.oldest()).toEqual(oldestOf(reference));
      }
      expect(map.size).toBe(reference.size);
      expect(map.get(key)).toBe(reference.get(key));
    }
  });
});
