import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { fromFetchResponse, toFetchRequest, type HttpReply, type HttpRequest } from '@parley/infra/http';
import { quotaHeaders } from '@parley/infra/rate-limit';
import { identifyCallerWithSession } from '../application/account-session.js';
import { callerKey, callerQuota } from '../application/caller.js';
import type { ApiContext } from '../context.js';
import { appRouter } from './app-router.js';

/**
 * Serves `/trpc/*` through tRPC's Fetch adapter, over the uWS → Fetch bridge. One HTTP request
 * (a whole batch) counts once against the caller's quota, the same quota as the REST surface.
 */
export function trpcHandler(ctx: ApiContext) {
  const quota = callerQuota(ctx);
  return async (req: HttpRequest): Promise<HttpReply> => {
    const caller = await identifyCallerWithSession(ctx, req.headers.authorization);
    const q = quota.check(callerKey(caller, req.ip), ctx.now());
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      req: toFetchRequest(req, 'http://parley.local'),
      router: appRouter,
      createContext: async () => {
        if (!q.allowed) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Too many requests' });
        return {
          api: ctx,
          caller,
          ip: req.ip,
          ...(req.headers['idempotency-key'] ? { idempotencyKey: req.headers['idempotency-key'] } : {}),
        };
      },
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') ctx.logger.error({ err: error, path, requestId: req.requestId }, 'tRPC procedure failed');
      },
    });
    const reply = await fromFetchResponse(response);
    return { ...reply, headers: { ...reply.headers, ...quotaHeaders(q) } };
  };
}
