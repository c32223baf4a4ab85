import { identifierStream, userStream, type IdentifierEvent, type IdentifierKind } from '@parley/contracts';
import { isDomainError, fold } from '@parley/domain';
import { ABANDONED_RESERVATION_MS, holderOf, identifierDecider, type IdentifierState } from '@parley/domain/users';
import { WrongExpectedRevisionError, type EventStore } from '@parley/infra/event-store';
import { eventId } from './ids.js';

/**
 * Username and email uniqueness through reservation streams (`username-<key>`, `email-<key>`;
 * see domain/users/index.ts). The first append to a name uses `no_stream`, later ones the
 * revision read, so of two registrations racing for one name the store lets exactly one in.
 */

export type ReservationOutcome = 'reserved' | 'taken' | 'invalid';

async function read(store: EventStore, kind: IdentifierKind, value: string): Promise<{ state: IdentifierState; revision: number }> {
  const events = await store.readStream(identifierStream(kind, value));
  const state = fold(identifierDecider, events.map((e) => ({ type: e.type, data: e.data }) as IdentifierEvent));
  return { state, revision: events.length === 0 ? -1 : events[events.length - 1]!.revision };
}

async function holderHasNoAccount(store: EventStore, state: IdentifierState): Promise<boolean> {
  if (state.holder === null) return false;
  return (await store.readStream(userStream(state.holder), { limit: 1 })).length === 0;
}

export async function reserveIdentifier(store: EventStore, kind: IdentifierKind, value: string, userId: string, at: number): Promise<ReservationOutcome> {
  const { state, revision } = await read(store, kind, value);
  const command = { type: 'ReserveIdentifier' as const, kind, value, userId, at };
  let decided = identifierDecider.decide(command, state);
  // A reservation left behind by a registration that died half-way may be taken over.
  const abandonedCandidate = isDomainError(decided) && decided.code === 'already_exists' && state.holder !== null && at - state.reservedAt >= ABANDONED_RESERVATION_MS;
  if (abandonedCandidate && (await holderHasNoAccount(store, state))) {
    decided = identifierDecider.decide({ ...command, holderHasNoAccount: true }, state);
  }
  if (isDomainError(decided)) return decided.code === 'invalid' ? 'invalid' : 'taken';
  if (decided.length === 0) return 'reserved';
  try {
    await store.append(
      identifierStream(kind, value),
      decided.map((e) => ({ id: eventId(), type: e.type, data: e.data })),
      revision === -1 ? 'no_stream' : revision,
    );
    return 'reserved';
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return 'taken';
    throw error;
  }
}

/** Compensation when a registration cannot finish: the name is free again. */
export async function releaseIdentifier(store: EventStore, kind: IdentifierKind, value: string, userId: string, at: number): Promise<void> {
  const { state, revision } = await read(store, kind, value);
  const decided = identifierDecider.decide({ type: 'ReleaseIdentifier', kind, value, userId, at }, state);
  if (isDomainError(decided) || decided.length === 0) return;
  await store.append(
    identifierStream(kind, value),
    decided.map((e) => ({ id: eventId(), type: e.type, data: e.data })),
    revision,
  );
}

/** The user id holding a name (login by email), or null. */
export async function identifierHolder(store: EventStore, kind: IdentifierKind, value: string): Promise<string | null> {
  return holderOf((await read(store, kind, value)).state);
}
