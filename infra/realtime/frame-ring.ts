import type { FrameEntry } from './frame-entry.js';

/**
 * The last frames of one room, oldest first, bounded by count and bytes.
 * `coveredFrom` is the lowest seq from which the ring is complete: every frame of every event
 * with seq >= coveredFrom (up to the room's last seq) is in it. Evicting a frame moves it up.
 */
export class FrameRing {
  private readonly slots: Array<FrameEntry | undefined>;
  private head = 0;
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
    public coveredFrom: number,
  ) {
    this.slots = new Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** The i-th frame, oldest first. */
  at(i: number): FrameEntry {
    return this.slots[(this.head + i) % this.capacity]!;
  }

  /** Appends a frame whose seq is above every frame in the ring. */
  push(entry: FrameEntry): void {
    if (this.count === this.capacity) this.evictOldest();
    this.slots[(this.head + this.count) % this.capacity] = entry;
    this.count++;
    this.bytes += entry.json.length;
    while (this.bytes > this.maxBytes && this.count > 1) this.evictOldest();
  }

  /** Index of the first frame with seq > `seq` (= length when there is none). */
  indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  entries(): FrameEntry[] {
    const out: FrameEntry[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  private evictOldest(): void {
    const old = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.bytes -= old.json.length;
    this.coveredFrom = Math.max(this.coveredFrom, old.seq + 1);
  }
}
