import { admin, streamRooms } from '@parley/contracts';
import type { HttpReply, HttpRequest } from '@parley/infra/http';
import { quotaHeaders } from '@parley/infra/rate-limit';
import type { z, ZodType } from 'zod';
import * as useCases from '../../application/admin-analytics.js';
import { identifyCallerWithSession } from '../../application/account-session.js';
import { callerKey, callerQuota, type Caller } from '../../application/caller.js';
import { isRefusal, type Refusal } from '../../application/outcome.js';
import type { ApiContext } from '../../context.js';
import type { Operation } from '../shared/operation.js';
import { validate } from '../shared/parse.js';
import { refusalReply, streamRoomsError } from '../stream-rooms/errors.js';

const error = streamRooms.streamRoomsError;
const rateHeaders = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const responses = (description: string, schema: ZodType) => ({
  200: { description, schema, headers: rateHeaders },
  400: { description: 'Bad Request - Invalid parameters', schema: error },
  401: { description: 'Unauthorized - Invalid or missing token', schema: error },
  403: { description: 'Forbidden - Not an admin', schema: error },
  429: { description: 'Rate Limited - Too many requests', schema: error, headers: ['Retry-After', ...rateHeaders] },
  500: { description: 'Server Error (ClickHouse unavailable included)', schema: error },
});
const adminNote = 'Identity token of an admin (`PARLEY_ADMINS`). Read from the ClickHouse projections (served when `CLICKHOUSE_URL` is set).';

/**
 * The admin analytics REST surface. Order of checks: quota, then who is calling (401/403), then
 * the query (400), so nobody learns anything about the API's parameters without being an admin.
 */
export function adminAnalyticsOperations(ctx: ApiContext): Operation[] {
  const quota = callerQuota(ctx);

  function endpoint<S extends ZodType>(schema: S, run: (caller: Caller, query: z.output<S>) => Promise<unknown | Refusal>) {
    return async (req: HttpRequest): Promise<HttpReply> => {
      const caller = await identifyCallerWithSession(ctx, req.headers.authorization);
      const q = quota.check(callerKey(caller, req.ip), ctx.now());
      const headers = quotaHeaders(q);
      if (!q.allowed) return streamRoomsError(429, 'Too many requests', headers);
      const withQuota = (reply: HttpReply): HttpReply => ({ ...reply, headers: { ...reply.headers, ...headers } });
      const refused = useCases.adminOnly(ctx, caller);
      if (refused) return withQuota(refusalReply(refused));
      const query = validate(schema, Object.fromEntries(req.query));
      if (!query.ok) return withQuota(streamRoomsError(400, query.message));
      const result = await run(caller, query.value);
      return withQuota(isRefusal(result) ? refusalReply(result) : { status: 200, body: result });
    };
  }

  const common = { tags: ['Admin'], security: ['bearer' as const], route: { onError: () => streamRoomsError(500, 'Server Error') } };

  return [
    {
      ...common,
      method: 'get',
      path: '/admin/search',
      operationId: 'adminSearchMessages',
      summary: 'Search messages (admins)',
      description: `Message history and word search across rooms, newest first, stealth and removed messages included and flagged. ${adminNote}`,
      query: admin.adminSearchQuery,
      responses: responses('A page of messages.', admin.adminSearchResponse),
      handle: endpoint(admin.adminSearchQuery, (caller, query) => useCases.searchAdminMessages(ctx, caller, query)),
    },
    {
      ...common,
      method: 'get',
      path: '/admin/stats/messages',
      operationId: 'adminMessageStats',
      summary: 'Messages per room per minute (admins)',
      description: `Messages posted per room per UTC minute. ${adminNote}`,
      query: admin.messageStatsQuery,
      responses: responses('Per-minute counts.', admin.messageStatsResponse),
      handle: endpoint(admin.messageStatsQuery, (caller, query) => useCases.messageStats(ctx, caller, query)),
    },
    {
      ...common,
      method: 'get',
      path: '/admin/stats/ingress',
      operationId: 'adminIngressStats',
      summary: 'Ingress by source (admins)',
      description: `Messages received through the webhook ingress, per \`payload.source\`. ${adminNote}`,
      query: admin.ingressStatsQuery,
      responses: responses('Counts per source.', admin.ingressStatsResponse),
      handle: endpoint(admin.ingressStatsQuery, (caller, query) => useCases.ingressStats(ctx, caller, query)),
    },
    {
      ...common,
      method: 'get',
      path: '/admin/stats/moderation',
      operationId: 'adminModerationStats',
      summary: 'Moderation actions per hour or day (admins)',
      description: `Moderation actions and message removals per action per UTC hour or day. ${adminNote}`,
      query: admin.moderationStatsQuery,
      responses: responses('Counts per bucket and action.', admin.moderationStatsResponse),
      handle: endpoint(admin.moderationStatsQuery, (caller, query) => useCases.moderationStats(ctx, caller, query)),
    },
    {
      ...common,
      method: 'get',
      path: '/admin/stats/viewers',
      operationId: 'adminViewerStats',
      summary: 'Active viewers (admins)',
      description: `Viewers per room now (or at \`at\`), summed over the fan-out nodes' latest samples. ${adminNote}`,
      query: admin.viewerStatsQuery,
      responses: responses('Viewers per room.', admin.viewerStatsResponse),
      handle: endpoint(admin.viewerStatsQuery, (caller, query) => useCases.viewerStats(ctx, caller, query)),
    },
    {
      ...common,
      method: 'get',
      path: '/admin/analytics/audit-log',
      operationId: 'adminAnalyticsAuditLog',
      summary: 'Audit log from ClickHouse (admins)',
      description: `The same query and answer as \`GET /admin/audit-log\` (which reads the embedded SQLite read model), read from ClickHouse. ${adminNote}`,
      query: streamRooms.auditLogQuery,
      responses: responses('A page of entries, newest first.', streamRooms.auditLogResponse),
      handle: endpoint(streamRooms.auditLogQuery, (caller, query) => useCases.analyticsAuditLog(ctx, caller, query)),
    },
  ];
}
