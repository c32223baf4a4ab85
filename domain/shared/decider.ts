/**
 * An aggregate's rules as three pure functions (no I/O, no clock, no randomness: time and
 * ids arrive on the command).
 */
export interface Decider<Command, Event, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[] | DomainError;
}

/** A rule the command broke. `code` is stable; surfaces map it to their own status and body. */
export class DomainError {
  constructor(
    readonly code: DomainErrorCode,
    readonly message: string,
  ) {}
}

export type DomainErrorCode =
  | 'not_found'
  | 'already_exists'
  | 'forbidden'
  | 'invalid'
  | 'conflict';

export const isDomainError = (x: unknown): x is DomainError => x instanceof DomainError;

export const fail = (code: DomainErrorCode, message: string): DomainError => new DomainError(code, message);

export const fold = <E, S>(decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState);
