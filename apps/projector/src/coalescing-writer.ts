/**
 * Merges the batches that arrive from several consumers (one per Kafka partition group member)
 * into one write at most every `intervalMs`. Each caller's promise settles when the write that
 * carried its events did, so a consumer commits its offsets only past written events.
 *
 * Why: ClickHouse 18.16 pays a fixed cost (~50-100 ms, ~15 ms of CPU) per insert whatever its
 * size, and Kafka hands a consumer one partition's records at a time; written one by one, a few
 * thousand events/s became hundreds of inserts a second.
 */
export interface CoalescingWriter<T> {
  write(items: readonly T[]): Promise<void>;
  /** Writes what is queued now and waits for it. */
  flush(): Promise<void>;
}

interface Pending<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function coalescingWriter<T>(writeAll: (items: T[]) => Promise<void>, intervalMs: number, now: () => number = Date.now): CoalescingWriter<T> {
  let queue: Pending<T>[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastStart = -Infinity;

  const run = (): Promise<void> => {
    timer = null;
    const taken = queue;
    queue = [];
    lastStart = now();
    const done = writeAll(taken.flatMap((p) => p.items)).then(
      () => taken.forEach((p) => p.resolve()),
      (error: unknown) => taken.forEach((p) => p.reject(error)),
    );
    writing = done.finally(() => {
      writing = null;
      schedule();
    });
    return writing;
  };

  const schedule = () => {
    if (queue.length === 0 || writing || timer) return;
    const wait = lastStart + intervalMs - now();
    if (wait <= 0) void run();
    else timer = setTimeout(() => void run(), wait);
  };

  return {
    write(items) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ items, resolve, reject });
        schedule();
      });
    },
    async flush() {
      while (writing) await writing;
      if (queue.length === 0) return;
      if (timer) clearTimeout(timer);
      await run();
    },
  };
}
