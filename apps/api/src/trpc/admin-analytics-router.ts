import { admin, streamRooms } from '@parley/contracts';
import * as useCases from '../application/admin-analytics.js';
import { publicProcedure, router, unwrap } from './trpc.js';

/** The admin analytics queries of `/admin/search` and `/admin/stats/*` (ClickHouse), for admins. */
export const adminAnalyticsRouter = router({
  search: publicProcedure.input(admin.adminSearchQuery).query(async ({ ctx, input }) => unwrap(await useCases.searchAdminMessages(ctx.api, ctx.caller, input))),
  messageStats: publicProcedure.input(admin.messageStatsQuery).query(async ({ ctx, input }) => unwrap(await useCases.messageStats(ctx.api, ctx.caller, input))),
  ingressStats: publicProcedure.input(admin.ingressStatsQuery).query(async ({ ctx, input }) => unwrap(await useCases.ingressStats(ctx.api, ctx.caller, input))),
  moderationStats: publicProcedure.input(admin.moderationStatsQuery).query(async ({ ctx, input }) => unwrap(await useCases.moderationStats(ctx.api, ctx.caller, input))),
  viewerStats: publicProcedure.input(admin.viewerStatsQuery).query(async ({ ctx, input }) => unwrap(await useCases.viewerStats(ctx.api, ctx.caller, input))),
  auditLog: publicProcedure.input(streamRooms.auditLogQuery).query(async ({ ctx, input }) => unwrap(await useCases.analyticsAuditLog(ctx.api, ctx.caller, input))),
});
