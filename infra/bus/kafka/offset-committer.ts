export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read, as Kafka commits it (last handled offset + 1). */
  offset: string;
}

/**
 * Commits handled offsets in the background, at most once per interval, instead of after every
 * batch: an OffsetCommit round trip per batch (acks from the offsets topic) was most of the
 * delivery latency. Only offsets whose handler resolved are ever marked, so a commit never
 * covers an event that was not handled; a crash redelivers at most one interval's worth.
 * Commits are serialized; `flush` commits what is pending now. After a rebalance a member may
 * still commit a partition it just lost; that offset was handled, so at worst the new owner's
 * committed offset moves to a point another member already covered: nothing is skipped unhandled.
 */
export function offsetCommitter(commit: (offsets: PartitionOffset[]) => Promise<void>, intervalMs: number) {
  const pending = new Map<string, PartitionOffset>();
  let chain: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    chain = chain.then(async () => {
      if (pending.size === 0) return;
      const offsets = [...pending.values()];
      pending.clear();
      try {
        await commit(offsets);
      } catch {
        // Keep them for the next try unless a newer offset for the partition arrived meanwhile.
        for (const o of offsets) {
          const key = `${o.topic}/${o.partition}`;
          if (!pending.has(key)) pending.set(key, o);
        }
      }
    });
    return chain;
  };

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    mark(offset: PartitionOffset) {
      pending.set(`${offset.topic}/${offset.partition}`, offset);
    },
    flush,
    /** Last commit; a failure only means those events come again (at least once). */
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
