import { simpleRoomStream, type SimpleRoomEvent } from '@parley/contracts';
import { InsertionOrderMap, isDomainError, type DomainError } from '@parley/domain';
import { simpleRoomDecider, type SimpleRoomCommand, type SimpleRoomState } from '@parley/domain/simple-rooms';
import { WrongExpectedRevisionError, type EventStore } from '@parley/infra/event-store';
import { eventId } from './ids.js';

interface CachedRoom {
  state: SimpleRoomState;
  revision: number;
}

const MAX_ATTEMPTS = 4;

/**
 * Simple-room aggregates (`sroom-<id>`). These streams are short (a create, joins and leaves),
 * so every load catches the cached state up with whatever the stream gained since (one indexed
 * read): reads are never stale, even with several API nodes. Writes append with the revision
 * they decided on and decide again after a concurrent write.
 */
export class SimpleRoomStore {
  private readonly cache = new InsertionOrderMap<string, CachedRoom>();

  constructor(
    private readonly store: EventStore,
    private readonly maxCached = 10_000,
  ) {}

  async state(roomId: string): Promise<SimpleRoomState> {
    return (await this.load(roomId)).state;
  }

  async execute(roomId: string, command: SimpleRoomCommand): Promise<{ events: SimpleRoomEvent[]; state: SimpleRoomState } | DomainError> {
    for (let attempt = 1; ; attempt++) {
      const room = await this.load(roomId);
      const decided = simpleRoomDecider.decide(command, room.state);
      if (isDomainError(decided)) return decided;
      if (decided.length === 0) return { events: [], state: room.state };
      try {
        const result = await this.store.append(
          simpleRoomStream(roomId),
          decided.map((e) => ({ id: eventId(), type: e.type, data: e.data })),
          room.revision === -1 ? 'no_stream' : room.revision,
        );
        const state = decided.reduce(simpleRoomDecider.evolve, room.state);
        this.remember(roomId, { state, revision: result.lastRevision });
        return { events: decided, state };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async load(roomId: string): Promise<CachedRoom> {
    const cached = this.cache.get(roomId) ?? { state: simpleRoomDecider.initialState, revision: -1 };
    const events = await this.store.readStream(simpleRoomStream(roomId), { fromRevision: cached.revision + 1 });
    if (events.length === 0) return cached;
    const room: CachedRoom = {
      state: events.reduce((s, e) => simpleRoomDecider.evolve(s, { type: e.type, data: e.data } as SimpleRoomEvent), cached.state),
      revision: events[events.length - 1]!.revision,
    };
    this.remember(roomId, room);
    return room;
  }

  private remember(roomId: string, room: CachedRoom): void {
    const known = this.cache.get(roomId);
    if (known && known.revision >= room.revision) return;
    this.cache.setNewest(roomId, room);
    if (this.cache.size > this.maxCached) this.cache.deleteOldest();
  }
}
