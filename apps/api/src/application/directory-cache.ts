import { InsertionOrderMap } from '@parley/domain';
import { getRoom, type RoomDirectoryEntry } from '@parley/projections/room-directory';
import type { SqliteDb } from '@parley/projections/shared';

/**
 * The room directory's rows kept in memory for the hot public read. An entry is dropped as soon
 * as the projector has applied an event of its room, in the same tick, so a read never sees a
 * row older than the read model.
 */
export class DirectoryCache {
  private readonly entries = new InsertionOrderMap<string, RoomDirectoryEntry>();

  constructor(
    private readonly db: SqliteDb,
    private readonly maxEntries = 50_000,
  ) {}

  get(roomId: string): RoomDirectoryEntry | undefined {
    const hit = this.entries.get(roomId);
    if (hit) return hit;
    const entry = getRoom(this.db, roomId);
    if (entry) {
      if (this.entries.size >= this.maxEntries) this.entries.deleteOldest();
      this.entries.set(roomId, entry);
    }
    return entry;
  }

  /** Call right after the projector applied `events`. */
  invalidate(events: readonly { stream: string }[]): void {
    for (const e of events) if (e.stream.startsWith('room-')) this.entries.delete(e.stream.slice(5));
  }
}
