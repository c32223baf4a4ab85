import type { DomainError } from '@parley/domain';

/** Why a use case refused, in words every surface maps to its own status and body. */
export type Refusal =
  | { refused: 'unauthenticated'; message: string }
  | { refused: 'forbidden'; message: string }
  | { refused: 'not_found'; message: string }
  | { refused: 'invalid'; message: string }
  | { refused: 'conflict'; message: string };

export const refuse = (refused: Refusal['refused'], message: string): Refusal => ({ refused, message });

export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

export function refusalOf(error: DomainError): Refusal {
  switch (error.code) {
    case 'not_found':
      return refuse('not_found', error.message);
    case 'forbidden':
      return refuse('forbidden', error.message);
    case 'invalid':
      return refuse('invalid', error.message);
    case 'already_exists':
    case 'conflict':
      return refuse('conflict', error.message);
  }
}
