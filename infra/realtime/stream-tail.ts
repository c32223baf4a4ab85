import type { EventStore, StoredEvent } from '../event-store/port.js';

/**
 * The last revision of a stream (-1 when it is empty), found with O(log n) one-event reads,
 * because the store port has no "read backwards".
 */
export async function streamHead(store: EventStore, stream: string): Promise<number> {
  const hasFrom = async (revision: number) => (await store.readStream(stream, { fromRevision: revision, limit: 1 })).length > 0;
  if (!(await hasFrom(0))) return -1;
  let present = 0;
  let absent = 1;
  while (await hasFrom(absent)) {
    present = absent;
    absent *= 2;
  }
  while (absent - present > 1) {
    const mid = Math.floor((present + absent) / 2);
    if (await hasFrom(mid)) present = mid;
    else absent = mid;
  }
  return present;
}

/** The stream's head and its last `count` events (fewer when the stream is shorter). */
export async function loadTail(store: EventStore, stream: string, count: number): Promise<{ head: number; from: number; events: StoredEvent[] }> {
  const head = await streamHead(store, stream);
  const from = Math.max(0, head - count + 1);
  if (head < 0 || count <= 0) return { head, from: head + 1, events: [] };
  const events = await store.readStream(stream, { fromRevision: from, limit: head - from + 1 });
  return { head, from, events: events.filter((e) => e.revision <= head) };
}
