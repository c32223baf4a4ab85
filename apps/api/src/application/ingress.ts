import { ingress } from '@parley/contracts';
import { InsertionOrderMap, isDomainError } from '@parley/domain';
import { compileFilter, createRateLimiter, DEFAULT_BAD_WORDS, type BadWordFilter, type RateDecision, type RateLimiter } from '@parley/domain/ingress';
import { validWebhookSecrets, type PostMessage, type RoomState } from '@parley/domain/rooms';
import { apiKeyMatches, bearerToken, hmacSignatureMatches } from '@parley/infra/auth';
import { parseJsonBody } from '@parley/infra/http';
import type { ChatMessagePosted } from '@parley/contracts/events';
import type { StoredEvent } from '@parley/infra/event-store';
import type { ApiContext } from '../context.js';
import { derivedId, eventId } from './ids.js';

export interface IngressRequest {
  roomId: string;
  authorization?: string;
  signature?: string;
  timestamp?: string;
  idempotencyKey?: string;
  rawBody: Buffer;
  ip: string;
}

/** What the ingress answers, before the surface writes it as the reference's status and body. */
export type IngressAnswer =
  | { outcome: 'queued' | 'filtered'; limit?: RateDecision }
  | { outcome: 'bad_request'; message: string; limit?: RateDecision }
  | { outcome: 'unauthorized'; message: string; limit?: RateDecision }
  | { outcome: 'not_found'; limit?: RateDecision }
  | { outcome: 'rate_limited'; limit: RateDecision };

/** Why a request was refused as a whole (both endpoints). */
type Refusal = Exclude<IngressAnswer, { outcome: 'queued' | 'filtered' }>;

/** A batch's answer: each message's outcome in order, or why the whole request was refused. */
export type IngressBatchAnswer = { outcome: 'accepted'; results: ingress.IngressBatchOutcome[]; limit?: RateDecision } | Refusal;

interface Memo {
  answer: IngressAnswer | IngressBatchAnswer;
  at: number;
}

const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

const unlimited: Pick<RateLimiter, 'check' | 'record'> = {
  check: (_key, now) => ({ allowed: true, remaining: 2 ** 31 - 1, resetAt: now, retryAfterMs: 0 }),
  record: () => undefined,
};

/** A limit of 0 turns the limiter off (load tests from one host); the sliding log's cost grows with its limit. */
const limiterOrNone = (limit: number, windowMs: number, maxKeys: number): Pick<RateLimiter, 'check' | 'record'> =>
  limit === 0 ? unlimited : createRateLimiter({ limit, windowMs, maxKeys });
const REPLAYED = 'Replayed signature';

/**
 * Whether a batch body of this many bytes may hold a message over 64 KB as re-encoded JSON (how a
 * batch message is measured). JSON.stringify of a parsed value is at most 21/4 times as long as
 * its text: a string never grows (escapes only shrink), and the most a number grows is `1e20`
 * (4 bytes) becoming `100000000000000000000` (21). Below that, no message is encoded to measure it.
 */
export const mayHoldOversizedMessage = (bodyBytes: number): boolean => bodyBytes * 21 > ingress.ingressLimits.maxBodyBytes * 4;

/**
 * Webhook ingress: authenticate (API key, or HMAC with optional timestamp and replay window),
 * validate, rate-limit (per IP, per sender), apply the room's word filter and moderation through
 * the room decider, append durably, then answer.
 */
const MAX_SOURCE_LABELS = 32;

/** The payload fields viewers read as text: the word filter checks them all, not `text` alone. */
const DISPLAYED_FIELDS = ['text', 'displayName', 'title', 'subtitle', 'membership', 'event', 'donation', 'replyTo', 'replyText', 'sourceName'] as const;

const displayedTextOf = (payload: ingress.IngressBody['payload']): string => {
  let out = '';
  for (const field of DISPLAYED_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string' && value.length > 0) out += (out ? '\n' : '') + value;
  }
  return out;
};

export function createIngress(ctx: ApiContext) {
  const { perIp: ipWindow, perUser: userWindow } = ingress.ingressLimits;
  const perIp = limiterOrNone(ctx.config.PARLEY_INGRESS_PER_IP_PER_10S, ipWindow.windowMs, 100_000);
  const perUser = limiterOrNone(ctx.config.PARLEY_INGRESS_PER_USER_PER_10S, userWindow.windowMs, 200_000);
  const filters = new InsertionOrderMap<string, { words: readonly string[]; filter: BadWordFilter }>();
  const seenSignatures = new InsertionOrderMap<string, number>();
  const memo = new InsertionOrderMap<string, Memo>();
  const defaultFilter = compileFilter(DEFAULT_BAD_WORDS);
  const counter = ctx.metrics.counter('parley_ingress_messages_total', 'Ingress requests by outcome and source');
  // `payload.source` is whatever the sender writes: the first few distinct values get their own
  // label, later ones count as `other`, so a sender cannot grow /metrics without bound.
  const sourceLabels = new Set<string>();
  const sourceLabel = (source: string): string => {
    if (sourceLabels.has(source)) return source;
    if (sourceLabels.size >= MAX_SOURCE_LABELS) return 'other';
    sourceLabels.add(source);
    return source;
  };

  const filterOf = (room: RoomState): BadWordFilter => {
    if (room.filterWords.length === 0) return defaultFilter;
    const cached = filters.get(room.roomId);
    if (cached && cached.words === room.filterWords) return cached.filter;
    const filter = compileFilter([...DEFAULT_BAD_WORDS, ...room.filterWords]);
    filters.set(room.roomId, { words: room.filterWords, filter });
    if (filters.size > 10_000) filters.deleteOldest();
    return filter;
  };

  // Messages with a sender that this ingress is posting or has posted: the log brings them back to
  // `observe`, and their sender's limit counted them already. `observe` skips messages without a
  // sender before looking here, so those are not kept (they stayed until the bound, every post then
  // paying an eviction). Bounded: a message never seen again (a duplicate append) is forgotten
  // behind newer ones.
  const ownPosts = new InsertionOrderMap<string, true>();
  const noteOwn = (messageId: string, sender: string | null) => {
    if (sender === null) return;
    ownPosts.set(messageId, true);
    if (ownPosts.size > 100_000) ownPosts.deleteOldest();
  };

  /**
   * Chat appended by other nodes of the cluster (from the store's log or the bus) counts against
   * its sender's per-user limit here too, so the limit holds across api and fan-out nodes, a feed's
   * delay late. The per-IP limit stays per node: events do not carry addresses.
   */
  function observe(events: readonly StoredEvent[]): void {
    // A node catching up on the log sees its history first: what left the window counts for nothing.
    const windowStart = ctx.now() - userWindow.windowMs;
    for (const e of events) {
      if (e.type !== 'ChatMessagePosted') continue;
      const d = e.data as ChatMessagePosted['data'];
      if (d.sender === null || d.via === 'api' || ownPosts.delete(d.messageId) || d.at <= windowStart) continue;
      perUser.record(`${d.roomId}\u0000${d.sender}`, d.at);
    }
  }

  /** Who sent an ingress message (`source:userId`, or nobody), and its source for the metrics. */
  const senderOf = (body: ingress.IngressBody) => {
    const source = body.payload.source ?? 'webhook';
    return { source, sender: body.payload.userId !== undefined ? `${source}:${body.payload.userId}` : null };
  };

  /** The room command an accepted ingress message becomes. */
  const postCommand = (room: RoomState, body: ingress.IngressBody, sender: string | null, messageId: string, now: number): PostMessage => {
    const payload = { ...body.payload, displayName: body.payload.displayName ?? 'webhook' };
    return {
      type: 'PostMessage',
      messageId,
      kind: body.type,
      payload,
      ...(body.meta !== undefined ? { meta: body.meta } : {}),
      sender,
      via: 'ingress',
      textBlocked: room.filterEnabled && filterOf(room)(displayedTextOf(payload)).blocked,
      at: now,
    };
  };

  /** Drops up to 100 entries older than `ttl` from the old end (both maps are in time order). */
  const forget = (map: InsertionOrderMap<string, number | Memo>, now: number, ttl: number) =>
    map.deleteOldestWhile((v) => (typeof v === 'number' ? v : v.at) + ttl <= now, 100);

  /**
   * What makes a signed, timestamped request unique (its room and signature), or null when the
   * request carries an API key or an untimestamped signature, which may be sent again.
   */
  const replayKeyOf = (req: IngressRequest): string | null =>
    req.authorization === undefined && req.signature !== undefined && req.timestamp !== undefined ? `${req.roomId}:${req.signature.trim().toLowerCase()}` : null;

  /**
   * A signed request refused for a reason its sender may retry past (a rate limit, a failed
   * write) has not been used: the same signed request, sent again after `Retry-After`, is no replay.
   */
  const releaseSignature = (req: IngressRequest) => {
    const key = replayKeyOf(req);
    if (key !== null) seenSignatures.delete(key);
  };

  /**
   * Event ids that make a repeated request append nothing: from its Idempotency-Key, or from its
   * signature when it is signed with a timestamp. Another api node does not know which signatures
   * this one has seen, but the store refuses the same event id twice, so a replay sent to another
   * node appends nothing either.
   */
  const idSeedOf = (req: IngressRequest, memoKey: string | null): { kind: string; key: string; signed: boolean } | null => {
    if (memoKey) return { kind: 'ingress', key: memoKey, signed: false };
    const replayKey = replayKeyOf(req);
    return replayKey ? { kind: 'ingress-signed', key: replayKey, signed: true } : null;
  };

  function authenticate(room: RoomState, req: IngressRequest, now: number): string | null {
    if (req.authorization !== undefined) {
      const key = bearerToken(req.authorization);
      return key && apiKeyMatches(key, room.apiKeyHash) ? null : 'Invalid API key';
    }
    if (req.signature === undefined) return 'Missing API key or signature';
    let signed = req.rawBody;
    if (req.timestamp !== undefined) {
      if (!/^\d{1,13}$/.test(req.timestamp)) return 'Invalid X-Chat-Timestamp';
      const ts = Number(req.timestamp);
      const ms = req.timestamp.length > 10 ? ts : ts * 1000;
      if (Math.abs(now - ms) > ingress.ingressLimits.signatureWindowMs) return 'Stale X-Chat-Timestamp';
      signed = Buffer.concat([Buffer.from(`${req.timestamp}.`), req.rawBody]);
    } else if (room.requireSignedTimestamp) {
      return 'This room requires X-Chat-Timestamp';
    }
    const valid = validWebhookSecrets(room, now).some((secret) => hmacSignatureMatches(req.signature, secret, signed));
    if (!valid) return 'Invalid signature';
    const key = replayKeyOf(req);
    if (key !== null) {
      if (seenSignatures.has(key)) return REPLAYED;
      forget(seenSignatures, now, ingress.ingressLimits.signatureWindowMs * 2);
      seenSignatures.set(key, now);
    }
    return null;
  }

  /**
   * What every ingress request goes through first: the per-IP limit, the room, authentication
   * (a replayed signature with a remembered Idempotency-Key gets the first answer) and the JSON.
   */
  async function admit(
    req: IngressRequest,
    now: number,
    memoKey: string | null,
  ): Promise<{ ok: true; room: RoomState; ipLimit: RateDecision; json: unknown } | { ok: false; answer: Refusal | Memo['answer'] }> {
    const ipLimit = perIp.check(req.ip, now);
    if (!ipLimit.allowed) return { ok: false, answer: { outcome: 'rate_limited', limit: ipLimit } };
    const room = ctx.rooms.cached(req.roomId) ?? (await ctx.rooms.state(req.roomId));
    if (!room) return { ok: false, answer: { outcome: 'not_found', limit: ipLimit } };
    const authProblem = authenticate(room, req, now);
    if (authProblem) {
      // A retry of a signed request with its Idempotency-Key is the same request (same valid signature): it gets the first answer.
      const remembered = authProblem === REPLAYED && memoKey ? memo.get(memoKey) : undefined;
      return { ok: false, answer: remembered ? remembered.answer : { outcome: 'unauthorized', message: authProblem, limit: ipLimit } };
    }
    const json = parseJsonBody(req.rawBody);
    if (!json.ok) return { ok: false, answer: { outcome: 'bad_request', message: 'Invalid JSON payload', limit: ipLimit } };
    return { ok: true, room, ipLimit, json: json.value };
  }

  async function handle(req: IngressRequest): Promise<IngressAnswer> {
    const now = ctx.now();
    const memoKey = req.idempotencyKey ? `${req.roomId}\u0000${req.idempotencyKey}` : null;
    const admitted = await admit(req, now, memoKey);
    if (!admitted.ok) return admitted.answer as IngressAnswer;
    const { room, ipLimit } = admitted;
    const parsed = ingress.ingressBody.safeParse(ingress.normalizeIngressBody(admitted.json));
    if (!parsed.success) {
      return { outcome: 'bad_request', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), limit: ipLimit };
    }
    const body = parsed.data;
    const { source, sender } = senderOf(body);

    const remembered = memoKey ? memo.get(memoKey) : undefined;
    if (remembered) return remembered.answer as IngressAnswer;

    let limit = ipLimit;
    if (sender !== null) {
      limit = perUser.check(`${req.roomId}\u0000${sender}`, now);
      if (!limit.allowed) {
        releaseSignature(req);
        return { outcome: 'rate_limited', limit };
      }
    }

    const seed = idSeedOf(req, memoKey);
    const messageId = seed ? derivedId(ctx.idSecret, `${seed.kind}-msg`, seed.key) : eventId();
    noteOwn(messageId, sender);
    let result;
    try {
      result = await ctx.rooms.post(req.roomId, postCommand(room, body, sender, messageId, now));
    } catch (error) {
      ownPosts.delete(messageId);
      releaseSignature(req);
      throw error;
    }
    if (isDomainError(result) || result.status === 'filtered' || result.duplicate) ownPosts.delete(messageId);
    if (isDomainError(result)) return { outcome: 'not_found', limit };
    if (seed?.signed && result.status === 'queued' && result.duplicate) return { outcome: 'unauthorized', message: REPLAYED, limit };
    const answer: IngressAnswer = { outcome: result.status, limit };
    counter.inc({ outcome: result.status, source: sourceLabel(source) });
    if (memoKey) remember(memoKey, answer, now);
    return answer;
  }

  const remember = (key: string, answer: IngressAnswer | IngressBatchAnswer, now: number) => {
    forget(memo, now, IDEMPOTENCY_TTL_MS);
    if (memo.size > 100_000) memo.deleteOldest();
    memo.set(key, { answer, at: now });
  };

  /** A message of a batch, validated; or why the batch is refused. `measure`: see `mayHoldOversizedMessage`. */
  const parseBatchMessage = (value: unknown, index: number, measure: boolean): ingress.IngressBody | string => {
    if (measure && Buffer.byteLength(JSON.stringify(value) ?? '') > ingress.ingressLimits.maxBodyBytes) return `messages.${index}: over 64 KB`;
    const parsed = ingress.ingressBody.safeParse(ingress.normalizeIngressBody(value));
    if (parsed.success) return parsed.data;
    return parsed.error.issues.map((i) => `messages.${index}.${i.path.join('.')}: ${i.message}`).join('; ');
  };

  /**
   * Batch ingress (a Parley extension): the single endpoint's checks for every message, one
   * durable append for the room. Malformed input refuses the whole batch (nothing appended);
   * a message over a rate limit is `rate_limited` on its own, the others go on.
   */
  async function handleBatch(req: IngressRequest): Promise<IngressBatchAnswer> {
    const now = ctx.now();
    const memoKey = req.idempotencyKey ? `batch\u0000${req.roomId}\u0000${req.idempotencyKey}` : null;
    const admitted = await admit(req, now, memoKey);
    if (!admitted.ok) return admitted.answer as IngressBatchAnswer;
    const { room, ipLimit } = admitted;
    const batch = ingress.ingressBatchBody.safeParse(admitted.json);
    if (!batch.success) return { outcome: 'bad_request', message: batch.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), limit: ipLimit };
    const bodies: ingress.IngressBody[] = [];
    const measure = mayHoldOversizedMessage(req.rawBody.length);
    for (let i = 0; i < batch.data.messages.length; i++) {
      const body = parseBatchMessage(batch.data.messages[i], i, measure);
      if (typeof body === 'string') return { outcome: 'bad_request', message: body, limit: ipLimit };
      bodies.push(body);
    }
    const remembered = memoKey ? memo.get(memoKey) : undefined;
    if (remembered) return remembered.answer as IngressBatchAnswer;

    const seed = idSeedOf(req, memoKey);
    // The request counted once against the IP; every further message counts too.
    const results: ingress.IngressBatchOutcome[] = [];
    const commands: PostMessage[] = [];
    const postedAt: number[] = [];
    let limit = ipLimit;
    for (let i = 0; i < bodies.length; i++) {
      const body = bodies[i]!;
      const { source, sender } = senderOf(body);
      const byIp = i === 0 ? ipLimit : perIp.check(req.ip, now);
      const byUser = byIp.allowed && sender !== null ? perUser.check(`${req.roomId}\u0000${sender}`, now) : byIp;
      limit = byUser;
      if (!byUser.allowed) {
        results.push('rate_limited');
        counter.inc({ outcome: 'rate_limited', source: sourceLabel(source) });
        continue;
      }
      postedAt.push(i);
      results.push('queued');
      commands.push(postCommand(room, body, sender, seed ? derivedId(ctx.idSecret, `${seed.kind}-batch-msg`, seed.key, String(i)) : eventId(), now));
    }
    if (commands.length === 0) releaseSignature(req);
    if (commands.length > 0) {
      for (const c of commands) noteOwn(c.messageId, c.sender);
      const forgetOwn = (which: (k: number) => boolean) => commands.forEach((c, k) => which(k) && ownPosts.delete(c.messageId));
      let posted;
      try {
        posted = await ctx.rooms.postMany(req.roomId, commands);
      } catch (error) {
        forgetOwn(() => true);
        releaseSignature(req);
        throw error;
      }
      if (isDomainError(posted) || posted.appended?.duplicate) forgetOwn(() => true);
      else forgetOwn((k) => posted.statuses[k] === 'filtered');
      if (isDomainError(posted)) return { outcome: 'not_found', limit };
      if (seed?.signed && posted.appended?.duplicate) return { outcome: 'unauthorized', message: REPLAYED, limit };
      posted.statuses.forEach((status, k) => {
        const i = postedAt[k]!;
        results[i] = status;
        counter.inc({ outcome: status, source: sourceLabel(bodies[i]!.payload.source ?? 'webhook') });
      });
    }
    const answer: IngressBatchAnswer = { outcome: 'accepted', results, limit };
    if (memoKey) remember(memoKey, answer, now);
    return answer;
  }

  /**
   * A chat message a viewer sends over the socket: the same per-IP and per-user limits, word
   * filter and moderation as ingress. Resolves with why it was refused, or nothing when it is durable.
   */
  async function postFromSocket(
    sender: { userId: string; displayName: string; ip: string },
    roomId: string,
    message: { text: string; meta?: unknown },
  ): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    const now = ctx.now();
    const room = ctx.rooms.cached(roomId) ?? (await ctx.rooms.state(roomId));
    if (!room) return { ok: false, code: 'not_found', message: 'Room not found' };
    if (Buffer.byteLength(message.text) > ingress.ingressLimits.maxBodyBytes) return { ok: false, code: 'too_large', message: 'Message over 64 KB' };
    const byIp = perIp.check(sender.ip, now);
    const limit = byIp.allowed ? perUser.check(`${roomId}\u0000${sender.userId}`, now) : byIp;
    if (!limit.allowed) return { ok: false, code: 'rate_limited', message: `Too many messages; retry in ${Math.ceil(limit.retryAfterMs / 1000)} s` };
    const messageId = eventId();
    noteOwn(messageId, sender.userId);
    const result = await ctx.rooms.post(roomId, {
      type: 'PostMessage',
      messageId,
      kind: 'chat',
      payload: { text: message.text, displayName: sender.displayName, userId: sender.userId },
      ...(message.meta !== undefined ? { meta: message.meta } : {}),
      sender: sender.userId,
      via: 'socket',
      textBlocked: room.filterEnabled && filterOf(room)(message.text).blocked,
      at: now,
    });
    if (isDomainError(result) || result.status === 'filtered') ownPosts.delete(messageId);
    if (isDomainError(result)) return { ok: false, code: 'not_found', message: 'Room not found' };
    counter.inc({ outcome: result.status, source: 'socket' });
    if (result.status === 'filtered') return { ok: false, code: 'filtered', message: `Message filtered (${result.reason})` };
    return { ok: true };
  }

  return { handle, handleBatch, postFromSocket, observe };
}

export type Ingress = ReturnType<typeof createIngress>;
