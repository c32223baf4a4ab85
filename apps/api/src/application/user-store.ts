import { InsertionOrderMap } from '@parley/domain';
import { userStream, type UserEvent } from '@parley/contracts';
import { userDecider, type UserState } from '@parley/domain/users';
import { WrongExpectedRevisionError, type EventStore, type NewEvent } from '@parley/infra/event-store';
import { eventId } from './ids.js';

interface CachedUser {
  state: UserState;
  /** Last revision of `user-<id>` folded into `state`; -1 when the stream is empty. */
  revision: number;
  /** When the entry was last caught up with the store (ms, the store clock of this process). */
  syncedAt: number;
}

export interface UserStoreOptions {
  /**
   * How long a cached user is trusted before the next read catches it up with the store. Writes
   * made by this process update the cache at once; this bounds how late a logout made on
   * another API node is noticed here.
   */
  freshForMs?: number;
  maxCached?: number;
  now?: () => number;
}

const MAX_ATTEMPTS = 4;

/**
 * User aggregates (`user-<id>`), cached. Reads catch a cached state up with the stream's new
 * events only; writes append with the revision they decided on, and on a conflict reload and
 * decide again, so two requests racing on one user (two refreshes of the same token) are
 * decided one after the other.
 */
export class UserStore {
  private readonly cache = new InsertionOrderMap<string, CachedUser>();
  private readonly freshForMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;

  constructor(
    private readonly store: EventStore,
    options: UserStoreOptions = {},
  ) {
    this.freshForMs = options.freshForMs ?? 1000;
    this.maxCached = options.maxCached ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** The user's state; `fresh` forces a catch-up read (for decisions that must not be stale). */
  async load(userId: string, fresh = false): Promise<UserState> {
    return (await this.entry(userId, fresh)).state;
  }

  /**
   * Decides on the current state and appends what was decided. `decide` returns the events and
   * the value to hand back; it may run again (on a fresh state) after a concurrent write.
   */
  async execute<T>(userId: string, decide: (state: UserState) => { events: UserEvent[]; value: T }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.entry(userId, attempt > 1);
      const { events, value } = decide(entry.state);
      if (events.length === 0) return value;
      try {
        await this.append(userId, entry, events, entry.revision === -1 ? 'no_stream' : entry.revision);
        return value;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async append(userId: string, entry: CachedUser, events: UserEvent[], expected: number | 'no_stream'): Promise<void> {
    const newEvents: NewEvent[] = events.map((e) => ({ id: eventId(), type: e.type, data: e.data }));
    const result = await this.store.append(userStream(userId), newEvents, expected);
    const state = events.reduce(userDecider.evolve, entry.state);
    this.remember(userId, { state, revision: result.lastRevision, syncedAt: this.now() });
  }

  private async entry(userId: string, fresh: boolean): Promise<CachedUser> {
    const cached = this.cache.get(userId);
    if (cached && !fresh && this.now() - cached.syncedAt < this.freshForMs) return cached;
    const base: CachedUser = cached ?? { state: userDecider.initialState, revision: -1, syncedAt: 0 };
    const syncedAt = this.now();
    const events = await this.store.readStream(userStream(userId), { fromRevision: base.revision + 1 });
    // Another request may have moved the cache on while this read was in flight: keep the newer one.
    const latest = this.cache.get(userId);
    if (latest && latest !== cached && latest.revision >= base.revision + events.length) return latest;
    let state = base.state;
    let revision = base.revision;
    for (const e of events) {
      state = userDecider.evolve(state, { type: e.type, data: e.data } as UserEvent);
      revision = e.revision;
    }
    const entry = { state, revision, syncedAt };
    // Unknown users are not cached: an account registered a moment ago on another node must be found.
    if (state.profile) this.remember(userId, entry);
    return entry;
  }

  private remember(userId: string, entry: CachedUser): void {
    this.cache.setNewest(userId, entry);
    if (this.cache.size > this.maxCached) this.cache.deleteOldest();
  }
}
