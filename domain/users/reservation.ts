import { identifierKey, type IdentifierEvent, type IdentifierKind } from '@parley/contracts';
import { fail, type Decider } from '../shared/decider.js';
import { isValidEmail, isValidUsername } from './rules.js';

/**
 * A reservation whose holder still has no account after this long was left behind by a
 * registration that died half-way (see index.ts); it may then be taken over.
 */
export const ABANDONED_RESERVATION_MS = 5 * 60_000;

export interface ReserveIdentifier {
  type: 'ReserveIdentifier';
  kind: IdentifierKind;
  /** As typed; the stream and the event use its key (`identifierKey`). */
  value: string;
  userId: string;
  /**
   * Set by the edge only after it read the current holder's `user-<id>` stream and found it
   * empty. The decider still requires the reservation to be older than
   * `ABANDONED_RESERVATION_MS`, so a registration in flight is never robbed.
   */
  holderHasNoAccount?: boolean;
  at: number;
}

export interface ReleaseIdentifier {
  type: 'ReleaseIdentifier';
  kind: IdentifierKind;
  value: string;
  userId: string;
  at: number;
}

export type IdentifierCommand = ReserveIdentifier | ReleaseIdentifier;

export type IdentifierState = { holder: null } | { holder: string; reservedAt: number };

export const initialIdentifierState: IdentifierState = { holder: null };

export function evolveIdentifier(_state: IdentifierState, event: IdentifierEvent): IdentifierState {
  switch (event.type) {
    case 'IdentifierReserved':
      return { holder: event.data.userId, reservedAt: event.data.at };
    case 'IdentifierReleased':
      return { holder: null };
  }
}

const isValidValue = (kind: IdentifierKind, value: string) => (kind === 'username' ? isValidUsername(value.trim()) : isValidEmail(value.trim()));

/**
 * One username or email (stream `username-<key>` / `email-<key>`). Reserving is idempotent
 * for the same user; for anyone else a held name is `already_exists` (409).
 */
export const identifierDecider: Decider<IdentifierCommand, IdentifierEvent, IdentifierState> = {
  initialState: initialIdentifierState,
  evolve: evolveIdentifier,
  decide(command, state) {
    const key = identifierKey(command.value);
    switch (command.type) {
      case 'ReserveIdentifier': {
        if (!isValidValue(command.kind, command.value)) return fail('invalid', `not a valid ${command.kind}`);
        if (state.holder === command.userId) return [];
        let replaces: string | null = null;
        if (state.holder !== null) {
          const abandoned = command.holderHasNoAccount === true && command.at - state.reservedAt >= ABANDONED_RESERVATION_MS;
          if (!abandoned) return fail('already_exists', `${command.kind} already taken`);
          replaces = state.holder;
        }
        return [{ type: 'IdentifierReserved', data: { kind: command.kind, key, userId: command.userId, replaces, at: command.at } }];
      }
      case 'ReleaseIdentifier': {
        if (state.holder === null) return [];
        if (state.holder !== command.userId) return fail('forbidden', `${command.kind} is held by another user`);
        return [{ type: 'IdentifierReleased', data: { kind: command.kind, key, userId: command.userId, at: command.at } }];
      }
    }
  },
};

/** Who holds the name, for login by email and lookups by username. */
export const holderOf = (state: IdentifierState): string | null => state.holder;
