import { roomStateEventTypes, roomStream, type RoomEvent } from '@parley/contracts';
import { InsertionOrderMap, isDomainError, type DomainError } from '@parley/domain';
import {
  decidePost,
  decideRoom,
  evolveRoom,
  initialRoomState,
  type PostMessage,
  type RoomCommand,
  type RoomState,
} from '@parley/domain/rooms';
import type { EventStore, NewEvent, StoredEvent } from '@parley/infra/event-store';
import { eventId } from './ids.js';

export interface Appended {
  events: RoomEvent[];
  position: number;
  /** The room sequence number of the last event (its stream revision). */
  seq: number;
  duplicate: boolean;
}

interface CachedRoom {
  state: RoomState;
  /**
   * Stream revision of the last state event in `state`. An event at or below it is already in
   * (a load's snapshot, or this node's own append echoed back by the bus) and is not applied twice:
   * not every state event is idempotent (a secret rotation keeps the previous secret).
   */
  revision: number;
}

const stateTypes = new Set<string>(roomStateEventTypes);

/**
 * Runs room commands: loads the room's state (cached; chat traffic is not part of it), asks the
 * pure decider, appends what it decided. Appends use `any` revision: the room's chat stream is
 * busy and every decision here is valid on the state it saw (see DESIGN.md).
 */
export class RoomService {
  private readonly cache = new InsertionOrderMap<string, CachedRoom>();
  private readonly loading = new Map<string, Promise<CachedRoom>>();

  constructor(
    private readonly store: EventStore,
    private readonly options: { maxCachedRooms?: number } = {},
  ) {}

  /** The room's state, or null when it does not exist. Synchronous when cached. */
  cached(roomId: string): RoomState | null | undefined {
    const c = this.cache.get(roomId);
    if (!c) return undefined;
    return c.state.exists ? c.state : null;
  }

  async state(roomId: string): Promise<RoomState | null> {
    const c = await this.load(roomId);
    return c.state.exists ? c.state : null;
  }

  /** Decide and append a command. `eventIds` (derived from an Idempotency-Key) make a retry append nothing. */
  async execute(roomId: string, command: RoomCommand, eventIds?: string[]): Promise<Appended | DomainError> {
    const room = await this.load(roomId);
    const decided = decideRoom(command, room.state);
    if (isDomainError(decided)) return decided;
    if (decided.length === 0) return { events: [], position: 0, seq: -1, duplicate: false };
    return this.append(roomId, room, decided, command.type === 'CreateRoom' ? 'no_stream' : 'any', eventIds);
  }

  /**
   * Posting is the hot path: a filtered message appends nothing and says why. A post's event (the
   * first, were there more) has the message's id for its id: a message id derived from an Idempotency-Key makes a retry
   * append nothing, and the log finds a message by id through its index of event ids (the
   * embedded timeline's `messageStatus` does).
   */
  async post(roomId: string, command: PostMessage): Promise<(Appended & { status: 'queued' }) | { status: 'filtered'; reason: string } | DomainError> {
    const room = this.cache.get(roomId) ?? (await this.load(roomId));
    const outcome = decidePost(command, room.state);
    if (isDomainError(outcome)) return outcome;
    if (outcome.status === 'filtered') return outcome;
    const appended = await this.append(roomId, room, outcome.events, 'any', [command.messageId]);
    return { ...appended, status: 'queued' };
  }

  /**
   * Several posts to one room, decided in order against the same state and appended in one
   * write (all durable together, or none). Returns each post's status, in order. Event ids are
   * message ids, as in `post`.
   */
  async postMany(
    roomId: string,
    commands: readonly PostMessage[],
  ): Promise<{ statuses: Array<'queued' | 'filtered'>; appended: Appended | null } | DomainError> {
    const room = this.cache.get(roomId) ?? (await this.load(roomId));
    const statuses: Array<'queued' | 'filtered'> = [];
    const events: RoomEvent[] = [];
    const ids: string[] = [];
    for (let i = 0; i < commands.length; i++) {
      const outcome = decidePost(commands[i]!, room.state);
      if (isDomainError(outcome)) return outcome;
      statuses.push(outcome.status);
      if (outcome.status === 'filtered') continue;
      outcome.events.forEach((e, k) => {
        events.push(e);
        ids.push(k === 0 ? commands[i]!.messageId : eventId());
      });
    }
    if (events.length === 0) return { statuses, appended: null };
    return { statuses, appended: await this.append(roomId, room, events, 'any', ids) };
  }

  /** Applies events appended elsewhere (another api node) to cached rooms. */
  observe(events: readonly StoredEvent[]): void {
    for (const e of events) {
      if (!stateTypes.has(e.type) || !e.stream.startsWith('room-')) continue;
      const room = this.cache.get(e.stream.slice(5));
      if (!room || e.revision <= room.revision) continue;
      room.state = evolveRoom(room.state, { type: e.type, data: e.data } as RoomEvent);
      room.revision = e.revision;
    }
  }

  private async append(roomId: string, room: CachedRoom, events: RoomEvent[], expected: 'any' | 'no_stream', eventIds?: string[]): Promise<Appended> {
    const newEvents: NewEvent[] = events.map((e, i) => ({ id: eventIds?.[i] ?? eventId(), type: e.type, data: e.data }));
    const result = await this.store.append(roomStream(roomId), newEvents, expected);
    if (!result.duplicate) {
      const firstRevision = result.lastRevision - (events.length - 1);
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        // Already in when the bus delivered it (or a later state event) before this answer.
        if (!stateTypes.has(e.type) || firstRevision + i <= room.revision) continue;
        room.state = evolveRoom(room.state, e);
        room.revision = firstRevision + i;
      }
      if (room.state.exists && !this.cache.has(roomId)) this.remember(roomId, room);
    } else if (!room.state.exists) {
      this.cache.delete(roomId);
      return { events, position: result.position, seq: result.lastRevision, duplicate: true };
    }
    return { events, position: result.position, seq: result.lastRevision, duplicate: result.duplicate };
  }

  private async load(roomId: string): Promise<CachedRoom> {
    const hit = this.cache.get(roomId);
    if (hit) return hit;
    let pending = this.loading.get(roomId);
    if (!pending) {
      pending = this.store.readStream(roomStream(roomId), { types: roomStateEventTypes }).then((events) => {
        const room: CachedRoom = {
          state: events.reduce((s, e) => evolveRoom(s, { type: e.type, data: e.data } as RoomEvent), initialRoomState),
          revision: events.at(-1)?.revision ?? -1,
        };
        // Unknown rooms are not cached: a room created by another node must be found on the next try.
        if (room.state.exists) this.remember(roomId, room);
        this.loading.delete(roomId);
        return room;
      });
      pending.catch(() => this.loading.delete(roomId));
      this.loading.set(roomId, pending);
    }
    return pending;
  }

  private remember(roomId: string, room: CachedRoom): void {
    this.cache.set(roomId, room);
    const max = this.options.maxCachedRooms ?? 100_000;
    if (this.cache.size > max) this.cache.deleteOldest();
  }
}
