import { communityAuth } from '@parley/contracts';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { accountOfCaller } from '../application/account-session.js';
import * as accounts from '../application/accounts.js';
import { isRefusal, refuse } from '../application/outcome.js';
import type { TrpcContext } from './trpc.js';
import { publicProcedure, router, unwrap } from './trpc.js';

/** The same 25 per 15 minutes per IP as `/api/auth/*`: tRPC is not a way around it. */
function limitAuth(ctx: TrpcContext): void {
  const decision = accounts.checkAuthRate(ctx.api, ctx.ip);
  if (!decision.allowed) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Rate limited; retry in ${Math.ceil(decision.retryAfterMs / 1000)} s` });
}

export const accountsRouter = router({
  register: publicProcedure.input(communityAuth.registerBody).mutation(async ({ ctx, input }) => {
    limitAuth(ctx);
    return unwrap(await accounts.register(ctx.api, input));
  }),
  login: publicProcedure.input(communityAuth.loginBody).mutation(async ({ ctx, input }) => {
    limitAuth(ctx);
    return unwrap(await accounts.login(ctx.api, input));
  }),
  refresh: publicProcedure.input(z.object({ refreshToken: z.string().min(1).max(512) })).mutation(async ({ ctx, input }) => {
    limitAuth(ctx);
    return unwrap(await accounts.refresh(ctx.api, input.refreshToken));
  }),
  /** Ends the caller's session (the access token's `sid`). */
  logout: publicProcedure.mutation(async ({ ctx }) => {
    limitAuth(ctx);
    const session = await accountOfCaller(ctx.api, ctx.caller);
    if (session === null) return unwrap(refuse('unauthenticated', 'Authentication required'));
    if (isRefusal(session)) return unwrap(session);
    return unwrap(await accounts.logout(ctx.api, session));
  }),
});
