import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { admin, type streamRooms } from '@parley/contracts';
import type { AuditEntry } from '@parley/projections/audit-log';
import {
  activeViewers,
  clickhouseAuditLog,
  clickhouseFeed,
  clickhouseProjector,
  ingressBySource,
  messagesPerMinute,
  moderationActions,
  searchMessages,
  viewerSampleRecorder,
  type ClickhouseFeed,
  type ClickhouseProjector,
  type MessageHit,
  type ViewerSample,
} from '@parley/projections/clickhouse';
import type { ApiContext } from '../context.js';
import { credentialRefusal, type Caller } from './caller.js';
import { auditView } from './stream-rooms.js';
import { isRefusal, refuse, type Refusal } from './outcome.js';

/**
 * Admin analytics on the ClickHouse read models: message search, stats, viewers and the audit
 * log. Wired only when `CLICKHOUSE_URL` is set; the SQLite `/admin/audit-log` stays as it is and
 * this audit log is served at `/admin/analytics/audit-log` with the same query and answer.
 */

export interface AdminAnalytics {
  client: ClickHouseClient;
  database: string;
  projector: ClickhouseProjector;
  /** Present when the bus is in-process: writes are queued off the bus's path. */
  feed: ClickhouseFeed | null;
  /** For fan-out nodes: their viewer counts per room, every few seconds. */
  recordViewerSamples(samples: readonly ViewerSample[]): Promise<void>;
  stop(): Promise<void>;
}

const attached = new WeakMap<ApiContext, AdminAnalytics>();
export const adminAnalyticsOf = (ctx: ApiContext): AdminAnalytics | undefined => attached.get(ctx);

const READ_YOUR_WRITES_MS = 1000;
export const defaultClickhouseDatabase = 'parley';

/** `http://host:port/db` → the server URL and the database (default `parley`). */
export function clickhouseTarget(clickhouseUrl: string): { url: string; database: string } {
  const parsed = new URL(clickhouseUrl);
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, '')) || defaultClickhouseDatabase;
  parsed.pathname = '/';
  return { url: parsed.toString().replace(/\/$/, ''), database };
}

/**
 * Creates the client and tables, replays what the store holds beyond the recorded position, then
 * follows the bus with group `clickhouse-projector`. In-process bus: queued writes (see
 * `clickhouseFeed`). Partitioned bus (Kafka): each batch is written before the handler returns,
 * so the group's offsets only move past written events.
 */
export async function startAdminAnalytics(ctx: ApiContext, clickhouseUrl: string, role: 'project' | 'query' = 'project'): Promise<AdminAnalytics> {
  const { url, database } = clickhouseTarget(clickhouseUrl);
  const client = createClient({ url, request_timeout: 30_000 });
  const projector = clickhouseProjector({ client, database });
  const readAll = (after: number, limit: number) => ctx.store.readAll(after, limit);
  const projecting = role === 'project';
  try {
    await projector.migrate();
    if (projecting) await projector.catchUp(readAll);
  } catch (error) {
    await client.close();
    throw error;
  }
  // Query-only (cluster api nodes): the tables are read here and written by the projector app.
  const feed =
    projecting && ctx.bus.kind === 'inproc'
      ? clickhouseFeed({ projector, readAll, onError: (err) => ctx.logger.warn({ err }, 'ClickHouse write failed; catching up from the store') })
      : null;
  const subscription = projecting
    ? await ctx.bus.subscribe({ group: 'clickhouse-projector' }, async (batch) => {
        if (feed) feed.handle(batch);
        else await projector.applyBatch(batch);
      })
    : null;
  const analytics: AdminAnalytics = {
    client,
    database,
    projector,
    feed,
    recordViewerSamples: viewerSampleRecorder(client, database),
    async stop() {
      attached.delete(ctx);
      await subscription?.close();
      if (feed) await feed.stop();
      else if (projecting) await projector.flushPosition().catch((err: unknown) => ctx.logger.warn({ err }, 'could not record the ClickHouse position'));
      projector.close();
      await client.close();
    },
  };
  attached.set(ctx, analytics);
  return analytics;
}

/** Identity token of an admin (`PARLEY_ADMINS`); a room token or API key is the wrong audience. */
export function adminOnly(ctx: ApiContext, caller: Caller): Refusal | null {
  const bad = credentialRefusal(caller);
  if (bad) return bad;
  switch (caller.kind) {
    case 'identity':
      return ctx.isAdmin(caller.userId) ? null : refuse('forbidden', 'Admins only');
    default:
      return refuse('unauthenticated', 'An identity token is required');
  }
}

/** The analytics, once the caller is an admin and the projection has what the store holds (bounded wait). */
async function readyFor(ctx: ApiContext, caller: Caller): Promise<AdminAnalytics | Refusal> {
  const refused = adminOnly(ctx, caller);
  if (refused) return refused;
  const analytics = attached.get(ctx);
  if (!analytics) return refuse('not_found', 'Admin analytics need ClickHouse (CLICKHOUSE_URL)');
  // Only an in-order local feed can tell when it has reached the head of the log.
  if (analytics.feed) await analytics.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  return analytics;
}

const iso = (ms: number) => new Date(ms).toISOString();
const parseTime = (value: string | undefined): number | undefined => (value === undefined ? undefined : Math.max(0, Date.parse(value)));

interface Window {
  since: number;
  until: number;
}

/** The query's window, or why it is refused: `since` after `until`, or wider than allowed. */
function windowOf(ctx: ApiContext, query: { since?: string; until?: string }, { defaultMs, maxMs }: { defaultMs: number; maxMs: number }): Window | Refusal {
  const until = parseTime(query.until) ?? ctx.now();
  const since = parseTime(query.since) ?? Math.max(0, until - defaultMs);
  if (since > until) return refuse('invalid', 'since must not be after until');
  if (until - since > maxMs) return refuse('invalid', `The window may span at most ${Math.round(maxMs / 86_400_000)} days`);
  return { since, until };
}

const messageView = (m: MessageHit): admin.AdminMessage => ({
  position: m.position,
  room: m.roomId,
  seq: m.seq,
  message_id: m.messageId,
  kind: m.kind,
  text: m.text,
  display_name: m.displayName,
  sender: m.sender,
  source: m.source,
  via: m.via,
  visibility: m.visibility,
  removed: m.removed,
  at: iso(m.at),
});

export async function searchAdminMessages(ctx: ApiContext, caller: Caller, query: admin.AdminSearchQuery): Promise<admin.AdminSearchResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const since = parseTime(query.since);
  const until = parseTime(query.until);
  if (since !== undefined && until !== undefined && since > until) return refuse('invalid', 'since must not be after until');
  const page = await searchMessages(analytics.client, analytics.database, {
    ...(query.q !== undefined ? { text: query.q } : {}),
    ...(query.room !== undefined ? { roomId: query.room } : {}),
    ...(query.sender !== undefined ? { sender: query.sender } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(query.cursor !== undefined ? { after: query.cursor } : {}),
    includeStealth: true,
    limit: query.limit,
  });
  return { messages: page.items.map(messageView), next_cursor: page.nextCursor };
}

export async function messageStats(ctx: ApiContext, caller: Caller, query: admin.MessageStatsQuery): Promise<admin.MessageStatsResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const window = windowOf(ctx, query, admin.adminStatsWindows.messages);
  if (isRefusal(window)) return window;
  const result = await messagesPerMinute(analytics.client, analytics.database, { ...window, ...(query.room !== undefined ? { roomId: query.room } : {}) });
  return {
    since: iso(window.since),
    until: iso(window.until),
    buckets: result.rows.map((r) => ({ room: r.roomId, minute: iso(r.minute), messages: r.messages })),
    truncated: result.truncated,
  };
}

export async function ingressStats(ctx: ApiContext, caller: Caller, query: admin.IngressStatsQuery): Promise<admin.IngressStatsResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const window = windowOf(ctx, query, admin.adminStatsWindows.ingress);
  if (isRefusal(window)) return window;
  const sources = await ingressBySource(analytics.client, analytics.database, window);
  return { since: iso(window.since), until: iso(window.until), sources };
}

export async function moderationStats(ctx: ApiContext, caller: Caller, query: admin.ModerationStatsQuery): Promise<admin.ModerationStatsResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const window = windowOf(ctx, query, query.bucket === 'day' ? admin.adminStatsWindows.moderationDay : admin.adminStatsWindows.moderationHour);
  if (isRefusal(window)) return window;
  const result = await moderationActions(analytics.client, analytics.database, { ...window, bucket: query.bucket, ...(query.room !== undefined ? { roomId: query.room } : {}) });
  return {
    bucket: query.bucket,
    since: iso(window.since),
    until: iso(window.until),
    buckets: result.rows.map((r) => ({ start: iso(r.start), action: r.action, count: r.count })),
    truncated: result.truncated,
  };
}

export async function viewerStats(ctx: ApiContext, caller: Caller, query: admin.ViewerStatsQuery): Promise<admin.ViewerStatsResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const at = parseTime(query.at) ?? ctx.now();
  const rooms = await activeViewers(analytics.client, analytics.database, { at, ...(query.room !== undefined ? { roomId: query.room } : {}) });
  return {
    at: iso(at),
    total: rooms.reduce((sum, r) => sum + r.viewers, 0),
    rooms: rooms.map((r) => ({ room: r.roomId, viewers: r.viewers, nodes: r.nodes })),
  };
}


/** The same query and answer as `GET /admin/audit-log`, read from ClickHouse. */
export async function analyticsAuditLog(ctx: ApiContext, caller: Caller, query: streamRooms.AuditLogQuery): Promise<streamRooms.AuditLogResponse | Refusal> {
  const analytics = await readyFor(ctx, caller);
  if (isRefusal(analytics)) return analytics;
  const since = parseTime(query.since);
  const until = parseTime(query.until);
  const page = await clickhouseAuditLog(analytics.client, analytics.database, {
    ...(query.room !== undefined ? { roomId: query.room } : {}),
    ...(query.actor !== undefined ? { actor: query.actor } : {}),
    ...(query.target !== undefined ? { target: query.target } : {}),
    ...(query.action !== undefined ? { action: query.action as AuditEntry['action'] } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(query.cursor !== undefined ? { after: query.cursor } : {}),
    limit: query.limit,
  });
  return { entries: page.entries.map(auditView), next_cursor: page.nextCursor };
}
