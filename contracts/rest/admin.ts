import { z } from 'zod';

/**
 * Admin analytics (`/admin/...`), read from the ClickHouse projections. Admin identity tokens
 * only; errors in the stream-rooms shape `{ error, message, status }`. Times are ISO 8601 in
 * queries and answers; `since`/`until` are inclusive.
 */

const isoTime = z.iso.datetime();
const text = (max: number) => z.string().min(1).max(max);

/** Each query's window when `since`/`until` are left out, and the widest it may be. */
export const adminStatsWindows = {
  messages: { defaultMs: 3_600_000, maxMs: 7 * 86_400_000 },
  ingress: { defaultMs: 86_400_000, maxMs: 366 * 86_400_000 },
  moderationHour: { defaultMs: 86_400_000, maxMs: 31 * 86_400_000 },
  moderationDay: { defaultMs: 30 * 86_400_000, maxMs: 366 * 86_400_000 },
} as const;

const window = {
  since: isoTime.optional().meta({ description: 'ISO 8601, inclusive.' }),
  until: isoTime.optional().meta({ description: 'ISO 8601, inclusive. Default: now.' }),
};

export const adminSearchQuery = z
  .object({
    q: z.string().max(500).optional().meta({ description: 'Words that must all occur in the text, in any case and order. Left out: every message (history).' }),
    room: text(64).optional(),
    sender: text(200).optional().meta({ description: '`source:userId`, as the message records it.' }),
    ...window,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.coerce.number().int().min(0).optional().meta({ description: 'The previous page’s `next_cursor`: continues with older messages.' }),
  })
  .meta({ id: 'AdminSearchQuery' });

export const adminMessage = z
  .object({
    position: z.number().int(),
    room: z.string(),
    seq: z.number().int(),
    message_id: z.string(),
    kind: z.string(),
    text: z.string(),
    display_name: z.string(),
    sender: z.string().nullable(),
    source: z.string().meta({ description: 'The ingress `payload.source` (`webhook` when none); empty for socket and API posts.' }),
    via: z.string(),
    visibility: z.enum(['all', 'moderators_and_sender']).meta({ description: '`moderators_and_sender` for stealth messages (shown here: admins see everything).' }),
    removed: z.boolean(),
    at: z.string(),
  })
  .meta({ id: 'AdminMessage' });

export const adminSearchResponse = z
  .object({ messages: z.array(adminMessage).meta({ description: 'Newest first.' }), next_cursor: z.number().int().nullable() })
  .meta({ id: 'AdminSearchResponse' });

export const messageStatsQuery = z
  .object({ room: text(64).optional(), ...window })
  .meta({ id: 'MessageStatsQuery', description: `Default window: the last hour; at most ${adminStatsWindows.messages.maxMs / 86_400_000} days.` });

export const messageStatsResponse = z
  .object({
    since: z.string(),
    until: z.string(),
    buckets: z.array(z.object({ room: z.string(), minute: z.string(), messages: z.number().int() })).meta({ description: 'By room, then minute; minutes without messages are left out.' }),
    truncated: z.boolean().meta({ description: 'More than 10,000 buckets: narrow the window or pick a room.' }),
  })
  .meta({ id: 'MessageStatsResponse' });

export const ingressStatsQuery = z.object({ ...window }).meta({ id: 'IngressStatsQuery', description: 'Default window: the last 24 hours.' });

export const ingressStatsResponse = z
  .object({
    since: z.string(),
    until: z.string(),
    sources: z.array(z.object({ source: z.string(), messages: z.number().int() })).meta({ description: 'Most messages first.' }),
  })
  .meta({ id: 'IngressStatsResponse' });

export const moderationStatsQuery = z
  .object({ room: text(64).optional(), bucket: z.enum(['hour', 'day']).default('hour'), ...window })
  .meta({ id: 'ModerationStatsQuery', description: 'Default window: the last 24 hours by hour, the last 30 days by day.' });

export const moderationStatsResponse = z
  .object({
    bucket: z.enum(['hour', 'day']),
    since: z.string(),
    until: z.string(),
    buckets: z.array(z.object({ start: z.string(), action: z.string(), count: z.number().int() })).meta({
      description: 'Per UTC hour or day and action (`user.ban`, `user.mute`, `user.unban`, `user.unmute`, `user.stealth`, `message.removed`).',
    }),
    truncated: z.boolean(),
  })
  .meta({ id: 'ModerationStatsResponse' });

export const viewerStatsQuery = z
  .object({ room: text(64).optional(), at: isoTime.optional().meta({ description: 'ISO 8601. Default: now.' }) })
  .meta({ id: 'ViewerStatsQuery' });

export const viewerStatsResponse = z
  .object({
    at: z.string(),
    total: z.number().int(),
    rooms: z.array(z.object({ room: z.string(), viewers: z.number().int(), nodes: z.number().int() })).meta({
      description: 'Per room: the sum over fan-out nodes of each node’s latest sample (samples older than 30 s do not count). Most viewers first; empty rooms left out.',
    }),
  })
  .meta({ id: 'ViewerStatsResponse' });

export type AdminSearchQuery = z.infer<typeof adminSearchQuery>;
export type AdminSearchResponse = z.infer<typeof adminSearchResponse>;
export type AdminMessage = z.infer<typeof adminMessage>;
export type MessageStatsQuery = z.infer<typeof messageStatsQuery>;
export type MessageStatsResponse = z.infer<typeof messageStatsResponse>;
export type IngressStatsQuery = z.infer<typeof ingressStatsQuery>;
export type IngressStatsResponse = z.infer<typeof ingressStatsResponse>;
export type ModerationStatsQuery = z.infer<typeof moderationStatsQuery>;
export type ModerationStatsResponse = z.infer<typeof moderationStatsResponse>;
export type ViewerStatsQuery = z.infer<typeof viewerStatsQuery>;
export type ViewerStatsResponse = z.infer<typeof viewerStatsResponse>;
