import { describe, expect, it } from 'vitest';
import { coalescingWriter } from './coalescing-writer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('coalescingWriter', () => {
  it('merges batches that arrive while a write is in flight or within the interval, and settles each caller after its write', async () => {
    const writes: number[][] = [];
    const writer = coalescingWriter<number>(async (items) => {
      await sleep(30);
      writes.push(items);
    }, 50);
    const settled: number[] = [];
    const first = writer.write([1]).then(() => settled.push(1));
    await sleep(5);
    const rest = [writer.write([2, 3]).then(() => settled.push(2)), writer.write([4]).then(() => settled.push(4))];
    await sleep(10);
    expect(settled).toEqual([]); // nothing resolves before its write has finished
    await Promise.all([first, ...rest]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    expect(settled).toEqual([1, 2, 4]);
  });

  it('keeps at least the interval between the starts of two writes', async () => {
    const starts: number[] = [];
    const writer = coalescingWriter<number>(async () => {
      starts.push(Date.now());
    }, 80);
    await writer.write([1]);
    await writer.write([2]);
    await writer.write([3]);
    expect(starts).toHaveLength(3);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(75);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(75);
  });

  it('rejects every caller of a failed write, and writes again afterwards', async () => {
    let fail = true;
    const written: number[][] = [];
    const writer = coalescingWriter<number>(async (items) => {
      if (fail) throw new Error('clickhouse away');
      written.push(items);
    }, 10);
    const a = writer.write([1]);
    const b = writer.write([2]);
    await expect(a).rejects.toThrow('clickhouse away');
    await expect(b).rejects.toThrow('clickhouse away');
    fail = false;
    await writer.write([1, 2]);
    expect(written).toEqual([[1, 2]]);
  });

  it('flush writes what is queued without waiting for the interval', async () => {
    const written: number[][] = [];
    const writer = coalescingWriter<number>(async (items) => {
      written.push(items);
    }, 10_000);
    await writer.write([1]);
    const pending = writer.write([2]);
    await writer.flush();
    await pending;
    expect(written).toEqual([[1], [2]]);
  });
});
