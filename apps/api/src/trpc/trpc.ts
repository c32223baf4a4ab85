import { initTRPC, TRPCError } from '@trpc/server';
import type { Caller } from '../application/caller.js';
import { isRefusal, type Refusal } from '../application/outcome.js';
import type { ApiContext } from '../context.js';

export interface TrpcContext {
  api: ApiContext;
  caller: Caller;
  ip: string;
  idempotencyKey?: string;
}

const t = initTRPC.context<TrpcContext>().create();

export const router = t.router;
export const publicProcedure = t.procedure;

const codeOf: Record<Refusal['refused'], TRPCError['code']> = {
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  invalid: 'BAD_REQUEST',
  conflict: 'CONFLICT',
};

/** A use case's Refusal becomes the matching tRPC error; a result passes through. */
export function unwrap<T>(result: T | Refusal): Exclude<T, Refusal> {
  if (isRefusal(result)) throw new TRPCError({ code: codeOf[result.refused], message: result.message });
  return result as Exclude<T, Refusal>;
}
