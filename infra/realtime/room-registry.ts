import { roomIdOfStream, roomStream } from '@parley/contracts/events';
import type { EventStore, StoredEvent } from '../event-store/port.js';
import type { FrameEntry } from './frame-entry.js';
import type { RealtimeLimits } from './limits.js';
import type { RealtimeMetrics } from './metrics.js';
import { RoomState } from './room-state.js';
import { loadTail } from './stream-tail.js';

/**
 * The rooms this node serves. A room is tracked from its first connection (its tail is loaded
 * from the store once) until it has had no viewers for `roomIdleMs`; bus events of rooms nobody
 * watches here are ignored.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, RoomState>();

  constructor(
    private readonly store: EventStore,
    private readonly limits: RealtimeLimits,
    private readonly metrics: RealtimeMetrics,
    private readonly publish: (room: RoomState, entry: FrameEntry, event: StoredEvent) => void,
  ) {}

  get(roomId: string): RoomState | undefined {
    return this.rooms.get(roomId);
  }

  all(): IterableIterator<RoomState> {
    return this.rooms.values();
  }

  /** The room, tracked and with an authoritative last seq (its tail read from the store if new). */
  async open(roomId: string): Promise<RoomState> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new RoomState(roomId, this.limits)));
    if (room.known) return room;
    const loading = (room.loading ??= this.load(room));
    room.reserved++; // keeps the room from eviction while we wait
    try {
      await loading;
    } finally {
      room.reserved--;
    }
    return room;
  }

  /**
   * Applies a bus batch: dedupes, updates rings, publishes frames, wakes waiting resumes.
   * A room's events are applied together (in their order): uWS sends a subscriber everything
   * published to its topics since the last drain in one write, but drains whenever a 65th topic
   * is published to. Interleaved, a batch spread over 100 rooms went out one frame per write;
   * grouped, each subscriber gets its room's share of the batch in one.
   */
  apply(events: readonly StoredEvent[]): void {
    const byRoom = new Map<RoomState, StoredEvent[]>();
    for (const event of events) {
      const roomId = roomIdOfStream(event.stream);
      if (roomId === undefined) continue;
      const room = this.rooms.get(roomId);
      if (!room) continue;
      const group = byRoom.get(room);
      if (group) group.push(event);
      else byRoom.set(room, [event]);
    }
    for (const [room, roomEvents] of byRoom) this.applyToRoom(room, roomEvents);
  }

  private applyToRoom(room: RoomState, events: readonly StoredEvent[]): void {
    for (const event of events) {
      this.metrics.busEvents++;
      let applied;
      try {
        applied = room.apply(event);
      } catch {
        // A malformed event must not stop the bus for every other room; it makes no frame.
        this.metrics.badEvents++;
        continue;
      }
      if (applied.kind === 'duplicate') {
        this.metrics.duplicateEvents++;
        continue;
      }
      if (applied.entry) this.publish(room, applied.entry, event);
      if (room.waiting.size > 0) for (const viewer of [...room.waiting]) if (viewer.cursor <= room.lastSeq) viewer.roomCaughtUp();
    }
  }

  /** Forgets rooms without viewers for `roomIdleMs`. */
  evictIdle(now: number): void {
    for (const [id, room] of this.rooms) {
      if (room.viewers.size === 0 && room.reserved === 0 && !room.loading && now - room.idleSince > this.limits.roomIdleMs) this.rooms.delete(id);
    }
  }

  private async load(room: RoomState): Promise<void> {
    try {
      room.mergeTail(await loadTail(this.store, roomStream(room.id), this.limits.ringFrames));
    } finally {
      room.loading = undefined;
    }
  }
}
