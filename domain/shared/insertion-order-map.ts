/**
 * A Map that also reads its oldest entry cheaply, for caches and logs that forget from the old end
 * (time-to-live, least recently used, a size bound).
 *
 * Why not `map.keys().next()`: a Map keeps a deleted entry's slot until it grows again, and a
 * fresh iterator walks every such slot from the start. Forgetting from the old end on every call
 * that way cost 13–210 µs a call at 25,000–1,500,000 entries (domain/shared/bench.ts). This one
 * reads the old end through one iterator kept between calls, which passes each freed slot once.
 */
export class InsertionOrderMap<K, V> {
  private readonly map = new Map<K, V>();
  private cursor: Iterator<[K, V]> | null = null;
  /** The oldest entry, as last read from the cursor; cleared when it is deleted. */
  private head: [K, V] | undefined;

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets a value; a key already present keeps its place (as `Map.set`). */
  set(key: K, value: V): this {
    this.map.set(key, value);
    if (this.head !== undefined && this.head[0] === key) this.head = [key, value];
    return this;
  }

  /** Sets a value as the newest entry, moving a key already present to the new end. */
  setNewest(key: K, value: V): this {
    this.delete(key);
    return this.set(key, value);
  }

  delete(key: K): boolean {
    if (this.head !== undefined && this.head[0] === key) this.head = undefined;
    return this.map.delete(key);
  }

  /** The oldest entry (first set, or moved to the end least recently), or undefined when empty. */
  oldest(): readonly [K, V] | undefined {
    if (this.head === undefined) this.head = this.advance();
    return this.head;
  }

  /** Deletes the oldest entry and returns it. */
  deleteOldest(): readonly [K, V] | undefined {
    const entry = this.oldest();
    if (entry !== undefined) this.delete(entry[0]);
    return entry;
  }

  /** Deletes entries from the old end while `expired(value)` holds, at most `max` of them. */
  deleteOldestWhile(expired: (value: V) => boolean, max = Infinity): number {
    let deleted = 0;
    for (let entry = this.oldest(); entry !== undefined && deleted < max && expired(entry[1]); entry = this.oldest()) {
      this.delete(entry[0]);
      deleted++;
    }
    return deleted;
  }

  private advance(): [K, V] | undefined {
    this.cursor ??= this.map.entries();
    const next = this.cursor.next();
    if (!next.done) return next.value;
    // The cursor passed the newest entry and is spent: entries set since then are after it.
    this.cursor = this.map.entries();
    const again = this.cursor.next();
    return again.done ? undefined : again.value;
  }
}
