import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { fromFetchResponse, toFetchRequest, type HttpReply, type HttpRequest } from '@parley/infra/http';
import { identifyCaller } from '../application/caller.js';
import type { ApiContext } from '../context.js';
import { appRouter } from './app-router.js';

/** Serves `/trpc/*` through tRPC's Fetch adapter, over the uWS → Fetch bridge. */
export function trpcHandler(ctx: ApiContext) {
  return async (req: HttpRequest): Promise<HttpReply> => {
    const response = await fetchRequestHandler({
      endpoint: '/trpc',
      req: toFetchRequest(req, 'http://parley.local'),
      router: appRouter,
      createContext: async () => ({
        api: ctx,
        caller: await identifyCaller(ctx.tokens, req.headers.authorization),
        ip: req.ip,
        ...(req.headers['idempotency-key'] ? { idempotencyKey: req.headers['idempotency-key'] } : {}),
      }),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') ctx.logger.error({ err: error, path, requestId: req.requestId }, 'tRPC procedure failed');
      },
    });
    return fromFetchResponse(response);
  };
}
