import { z } from 'zod';

/** The webhook ingress body (`POST /rooms/{room}/ingress`), every documented payload field. */

/**
 * Whether a URL would run code where an overlay puts it (`href`, `src`): a `javascript:` or
 * `vbscript:` URL, or a `data:` URL that is not an image. Browsers ignore ASCII whitespace and
 * control characters inside a scheme and its case, so both are ignored here too.
 */
export function isScriptUrl(value: string): boolean {
  const compact = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  if (compact.startsWith('javascript:') || compact.startsWith('vbscript:')) return true;
  return compact.startsWith('data:') && !compact.startsWith('data:image/');
}

/** Any URL text a source sends (absolute, relative, a placeholder), except one that runs script. */
const url = z
  .string()
  .max(2048)
  .refine((value) => !isScriptUrl(value), { message: 'must not be a javascript:, vbscript: or non-image data: URL' });
const color = z.string().max(64);

export const badge = z
  .object({
    src: url.optional(),
    type: z.enum(['img', 'svg']).optional(),
    html: z.string().max(8192).optional(),
  })
  .meta({ id: 'IngressBadge' });

export const ingressPayload = z
  .object({
    text: z.string().meta({ description: 'The message content to display in chat.' }),
    displayName: z.string().max(128).optional().meta({ description: 'Display name for the sender. Defaults to "webhook".' }),
    userId: z.string().min(1).max(128).optional().meta({ description: 'Unique identifier for the sender; moderation and rate limits key on `source:userId`.' }),
    avatar: url.optional(),
    source: z.string().min(1).max(64).optional().meta({ description: 'Platform name (youtube, twitch, discord, …).' }),
    sourceIcon: url.optional(),
    badges: z.array(badge).max(32).optional(),
    isModerator: z.boolean().optional(),
    nameColor: color.optional(),
    donation: z.string().max(64).optional(),
    donationValue: z.number().finite().optional(),
    backgroundColor: color.optional(),
    textColor: color.optional(),
    membership: z.string().max(128).optional(),
    subtitle: z.string().max(256).optional(),
    event: z.string().max(64).optional().meta({ description: 'follow, raid, subscription, giftpurchase, sponsorship, …' }),
    title: z.string().max(256).optional(),
    contentImage: url.optional(),
    replyTo: z.string().max(128).optional(),
    replyText: z.string().max(4096).optional(),
    sourceName: z.string().max(256).optional(),
    sourceImage: url.optional(),
  })
  .meta({ id: 'IngressPayload' });

export const ingressBody = z
  .object({
    type: z.string().min(1).max(32).meta({ description: 'Message type: "chat" for chat messages, "event" for events, …' }),
    payload: ingressPayload,
    meta: z.unknown().optional().meta({ description: 'Any JSON; passed to connected clients unchanged.' }),
  })
  .meta({
    id: 'IngressBody',
    example: { type: 'chat', payload: { text: 'Hello from my bot!', displayName: 'StreamBot', userId: 'bot-123', source: 'twitch' }, meta: { customField: 'value' } },
  });

export type IngressBody = z.infer<typeof ingressBody>;
export type IngressPayload = z.infer<typeof ingressPayload>;

/** Limits of the ingress reference. */
export const ingressLimits = {
  maxBodyBytes: 64 * 1024,
  /** Batch ingress (a Parley extension): messages per request, and the whole body. */
  maxBatchMessages: 100,
  maxBatchBodyBytes: 1024 * 1024,
  perUser: { limit: 20, windowMs: 10_000 },
  perIp: { limit: 60, windowMs: 10_000 },
  /** Signed requests with `X-Chat-Timestamp` must be this fresh (either way). */
  signatureWindowMs: 5 * 60_000,
} as const;

/**
 * The stream-rooms REST reference shows ingress in a shorter form,
 * `{ type, user: { id, name, avatar }, content }`; it is read as the ingress guide's
 * `{ type, payload: { userId, displayName, avatar, text } }`. A body with `payload` is left alone.
 */
export function normalizeIngressBody(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if ('payload' in v || !('content' in v || 'user' in v)) return value;
  const { user, content, ...rest } = v;
  const u = typeof user === 'object' && user !== null ? (user as Record<string, unknown>) : {};
  const payload: Record<string, unknown> = { text: content };
  if (u.id !== undefined) payload.userId = u.id;
  if (u.name !== undefined) payload.displayName = u.name;
  if (u.avatar !== undefined) payload.avatar = u.avatar;
  return { ...rest, payload };
}

/**
 * Batch ingress (`POST /rooms/{room}/ingress/batch`), a Parley extension: up to 100 messages of
 * the single form in one request, appended to the room in one durable write. Each message is
 * checked like a single one (64 KB, fields, filters, moderation, both rate limits).
 */
export const ingressBatchBody = z
  .object({
    messages: z
      .array(z.unknown().meta({ description: 'An ingress message, in either form the single endpoint takes.' }))
      .min(1)
      .max(100),
  })
  .meta({
    id: 'IngressBatchBody',
    example: { messages: [{ type: 'chat', payload: { text: 'first', userId: 'bot-1', source: 'twitch' } }, { type: 'chat', payload: { text: 'second', userId: 'bot-2', source: 'twitch' } }] },
  });

/** What happened to each message of a batch, in order. */
export const ingressBatchOutcome = z.enum(['queued', 'filtered', 'rate_limited']);

export const ingressBatchAnswer = z
  .object({ results: z.array(ingressBatchOutcome) })
  .meta({ id: 'IngressBatchAnswer', example: { results: ['queued', 'filtered'] } });

export type IngressBatchOutcome = z.infer<typeof ingressBatchOutcome>;
