import type { StoredEvent } from '../event-store/port.js';
import type { FrameEntry } from './frame-entry.js';
import { frameEntryOf } from './frames-of-events.js';
import { FrameRing } from './frame-ring.js';
import type { RealtimeLimits } from './limits.js';
import { moderatorTopic, roomTopic } from './topics.js';
import type { SseViewer } from './sse-viewer.js';
import type { Viewer } from './viewer.js';

export type Applied = { kind: 'duplicate' } | { kind: 'applied'; entry: FrameEntry | null };

/**
 * What one fan-out node knows of one room: its last seq, the ring of recent frames and the
 * viewers connected here. A room is tracked from its first viewer until it has had none for a while.
 */
export class RoomState {
  readonly topic: string;
  readonly modTopic: string;
  /** True once `lastSeq` is authoritative (from the bus or the store). */
  known = false;
  lastSeq = -1;
  ring: FrameRing;
  readonly viewers = new Set<Viewer>();
  /** Viewers that resume from a seq this node has not reached yet. */
  readonly waiting = new Set<Viewer>();
  /** Live SSE viewers: SSE has no uWS topics, so frames are written to each. */
  readonly liveSse = new Set<SseViewer>();
  /** Upgrades authenticated but not opened yet (they count against max_viewers). */
  reserved = 0;
  presenceDirty = false;
  /** The `online` of the last presence frame sent. */
  presenceSent = -1;
  publishedSinceCheck = false;
  /** Bytes published since the last slow-consumer check of this room. */
  bytesSinceCheck = 0;
  idleSince = Date.now();
  loading: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly limits: RealtimeLimits,
  ) {
    this.topic = roomTopic(id);
    this.modTopic = moderatorTopic(id);
    this.ring = new FrameRing(limits.ringFrames, limits.ringBytes, 0);
  }

  get online(): number {
    return this.viewers.size;
  }

  /** Applies one event of this room's stream, in order; duplicates (at-least-once bus) are skipped. */
  apply(event: StoredEvent): Applied {
    if (this.known && event.revision <= this.lastSeq) return { kind: 'duplicate' };
    if (!this.known || event.revision > this.lastSeq + 1) {
      // First event seen, or a gap: the ring is complete only from here on.
      this.ring = new FrameRing(this.limits.ringFrames, this.limits.ringBytes, event.revision);
      this.known = true;
    }
    this.lastSeq = event.revision;
    const entry = frameEntryOf(this.id, event); // may throw on a malformed event: lastSeq has moved past it
    if (entry) this.ring.push(entry);
    return { kind: 'applied', entry };
  }

  /**
   * Merges the stream's tail read from the store (head and events from..head) with whatever the
   * bus delivered meanwhile, so the ring covers both when they touch.
   */
  mergeTail(tail: { head: number; from: number; events: StoredEvent[] }): void {
    const byseq = new Map<number, FrameEntry>();
    for (const e of tail.events) {
      const entry = frameEntryOf(this.id, e);
      if (entry) byseq.set(entry.seq, entry);
    }
    let coveredFrom: number;
    if (!this.known) {
      coveredFrom = tail.from;
      this.lastSeq = tail.head;
      this.known = true;
    } else if (tail.from <= this.lastSeq + 1 && this.ring.coveredFrom <= tail.head + 1) {
      for (const entry of this.ring.entries()) byseq.set(entry.seq, entry);
      coveredFrom = Math.min(tail.from, this.ring.coveredFrom);
      this.lastSeq = Math.max(this.lastSeq, tail.head);
    } else {
      return;
    }
    const ring = new FrameRing(this.limits.ringFrames, this.limits.ringBytes, coveredFrom);
    for (const entry of [...byseq.values()].sort((a, b) => a.seq - b.seq)) if (entry.seq >= coveredFrom) ring.push(entry);
    this.ring = ring;
  }
}
