import { InsertionOrderMap } from '@parley/domain';

/**
 * Which rows of a batch could already be stored, so that only those are looked up before an
 * insert. A row is certainly new when its position is above both the highest position stored
 * before this process started and the highest this process has seen for the row's room: a room's
 * events reach a projector in log order (the bus is keyed by room), so anything at or below those
 * marks is a replay or a redelivery, and anything above is not stored yet. In steady state every
 * row is above, and no lookup runs.
 *
 * Another process writing the same tables at the same time is not seen here; ReplacingMergeTree
 * and the deduplicating queries remain for that.
 */
export interface StoredWatermark {
  /** True when a row of `room` at `position` may be stored already (look it up). */
  mayBeStored(room: string, position: number): boolean;
  /** Raises the room's mark after a batch was written. */
  saw(room: string, position: number): void;
}

export function storedWatermark(storedBeforeStart: number, maxRooms = 100_000): StoredWatermark {
  const byRoom = new InsertionOrderMap<string, number>();
  // Rooms forgotten to bound memory leave their mark here: conservative for every room.
  let floor = storedBeforeStart;
  return {
    mayBeStored: (room, position) => position <= Math.max(floor, byRoom.get(room) ?? 0),
    saw(room, position) {
      const mark = byRoom.get(room);
      if (mark !== undefined && mark >= position) return;
      byRoom.setNewest(room, position);
      if (byRoom.size > maxRooms) floor = Math.max(floor, byRoom.deleteOldest()![1]);
    },
  };
}
