import { expect } from 'vitest';
import { DomainError, fold, type Decider } from './decider.js';

/** Given/when/then for a decider: `given(events).when(command).then(events)` or `.thenFails(code)`. */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: E[]) {
      return {
        when(command: C) {
          const outcome = decider.decide(command, fold(decider, history));
          return {
            then(expected: E[]) {
              expect(outcome).not.toBeInstanceOf(DomainError);
              expect(outcome).toEqual(expected);
            },
            thenFails(code: DomainError['code']) {
              expect(outcome).toBeInstanceOf(DomainError);
              expect((outcome as DomainError).code).toBe(code);
            },
            outcome,
          };
        },
      };
    },
  };
}
