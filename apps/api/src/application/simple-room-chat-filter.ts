import { InsertionOrderMap } from '@parley/domain';
import { compileFilter, DEFAULT_BAD_WORDS, type BadWordFilter } from '@parley/domain/ingress';
import type { RoomState } from '@parley/domain/rooms';

const MAX_CACHED = 10_000;

/**
 * The word filter of a chat room, compiled once per word list: the built-in words plus the room's
 * own, as for webhook ingress and socket sends in stream rooms. Whether it applies is the
 * decider's business (`filterEnabled`); this only answers "would it block this text".
 */
export function chatWordFilters(): (room: RoomState) => BadWordFilter {
  const defaultFilter = compileFilter(DEFAULT_BAD_WORDS);
  const compiled = new InsertionOrderMap<string, { words: readonly string[]; filter: BadWordFilter }>();
  return (room) => {
    if (room.filterWords.length === 0) return defaultFilter;
    const known = compiled.get(room.roomId);
    if (known && known.words === room.filterWords) return known.filter;
    const filter = compileFilter([...DEFAULT_BAD_WORDS, ...room.filterWords]);
    compiled.set(room.roomId, { words: room.filterWords, filter });
    if (compiled.size > MAX_CACHED) compiled.deleteOldest();
    return filter;
  };
}
