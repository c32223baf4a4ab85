import { describe, expect, it } from 'vitest';
import { storedWatermark } from './stored-watermark.js';

describe('stored watermark', () => {
  it('looks up whatever is at or below what was stored before the start, and nothing above', () => {
    const marks = storedWatermark(100);
    expect(marks.mayBeStored('a', 100)).toBe(true);
    expect(marks.mayBeStored('a', 101)).toBe(false);
  });

  it('after a room was written up to a position, that room is looked up at or below it (a redelivery), other rooms are not', () => {
    const marks = storedWatermark(0);
    marks.saw('a', 50);
    expect(marks.mayBeStored('a', 50)).toBe(true);
    expect(marks.mayBeStored('a', 49)).toBe(true);
    expect(marks.mayBeStored('a', 51)).toBe(false);
    expect(marks.mayBeStored('b', 10)).toBe(false);
    marks.saw('a', 40); // a lower position never lowers the mark
    expect(marks.mayBeStored('a', 45)).toBe(true);
  });

  it('a room forgotten to bound memory leaves its mark to every room: nothing it covered goes unchecked', () => {
    const marks = storedWatermark(0, 2);
    marks.saw('a', 30);
    marks.saw('b', 10);
    marks.saw('c', 20); // forgets "a", the least recently raised
    expect(marks.mayBeStored('a', 25)).toBe(true);
    expect(marks.mayBeStored('d', 30)).toBe(true);
    expect(marks.mayBeStored('d', 31)).toBe(false);
  });
});
