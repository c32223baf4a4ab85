import { streamRooms } from '@parley/contracts';
import type { HttpReply, HttpRequest } from '@parley/infra/http';
import { fixedWindowQuota, quotaHeaders, type FixedWindowQuota } from '@parley/infra/rate-limit';
import type { z, ZodType } from 'zod';
import { identifyCallerWithSession } from '../../application/account-session.js';
import { callerKey, callerQuota, type Caller } from '../../application/caller.js';
import { isRefusal, type Refusal } from '../../application/outcome.js';
import * as useCases from '../../application/stream-rooms.js';
import type { ApiContext } from '../../context.js';
import type { Operation } from '../shared/operation.js';
import { parseBody, validate } from '../shared/parse.js';
import { refusalReply, streamRoomsError } from './errors.js';

const errorResponses = {
  400: { description: 'Bad Request - Invalid parameters', schema: streamRooms.streamRoomsError },
  401: { description: 'Unauthorized - Invalid or missing token', schema: streamRooms.streamRoomsError },
  403: { description: 'Forbidden - Insufficient permissions', schema: streamRooms.streamRoomsError },
  404: { description: "Not Found - Room doesn't exist", schema: streamRooms.streamRoomsError },
  429: { description: 'Rate Limited - Too many requests', schema: streamRooms.streamRoomsError, headers: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] },
  500: { description: 'Server Error', schema: streamRooms.streamRoomsError },
};
const rateHeaders = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
const withBodyErrors = { ...errorResponses, 413: { description: 'Payload Too Large - Body over 64 KiB', schema: streamRooms.streamRoomsError } };
const ok = (description: string, schema: ZodType) => ({ 200: { description, schema, headers: rateHeaders } });
const MAX_BODY = 64 * 1024;
/** The rotation body may be left out entirely: the default grace applies. */
const optionalRotateBody = streamRooms.rotateWebhookSecretBody.optional().default({ grace_seconds: 3600 });

/**
 * The stream-rooms REST surface (`/rooms/...`): HTTP in, use case, HTTP out. Every answer carries
 * the caller's quota headers; a caller is its token (by subject) or, without one, its IP.
 */
export function streamRoomsOperations(ctx: ApiContext): Operation[] {
  const quota = callerQuota(ctx);
  const publicQuota = fixedWindowQuota({ limit: ctx.config.PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });

  const withQuota = (reply: HttpReply, headers: Record<string, string>): HttpReply => ({ ...reply, headers: { ...reply.headers, ...headers } });

  /** Rate limit, identify the caller, parse the body, run the use case, shape the answer. */
  function endpoint<S extends ZodType | undefined>(
    schema: S,
    run: (req: HttpRequest, caller: Caller, body: S extends ZodType ? z.output<S> : undefined) => Promise<unknown | Refusal>,
    status = 200,
  ) {
    return async (req: HttpRequest): Promise<HttpReply> => {
      const caller = await identifyCallerWithSession(ctx, req.headers.authorization);
      const q = quota.check(callerKey(caller, req.ip), ctx.now());
      const headers = quotaHeaders(q);
      if (!q.allowed) return streamRoomsError(429, 'Too many requests', headers);
      let body: unknown = undefined;
      if (schema) {
        // No body at all is `undefined` to the schema, so an optional body (webhook-secret rotation) may be left out.
        const parsed = req.body.length === 0 ? validate(schema, undefined) : parseBody(schema, req.body);
        if (!parsed.ok) return withQuota(streamRoomsError(400, parsed.message), headers);
        body = parsed.value;
      }
      const result = await run(req, caller, body as never);
      return withQuota(isRefusal(result) ? refusalReply(result) : { status, body: result }, headers);
    };
  }

  const common = { tags: ['Stream rooms'], route: { maxBody: MAX_BODY, tooLarge: () => streamRoomsError(413, `Body over ${MAX_BODY} bytes`), onError: () => streamRoomsError(500, 'Server Error') } };

  return [
    {
      ...common,
      method: 'post',
      path: '/rooms',
      operationId: 'createRoom',
      summary: 'Create Room',
      description: 'Creates a new chat room. Optional Bearer token claims ownership. Send `Idempotency-Key` to make a retry return the first answer.',
      security: ['bearer'],
      headers: { 'Idempotency-Key': { description: 'Makes a retry return the first answer (same room, same key).' } },
      body: streamRooms.createRoomBody,
      responses: {
        ...ok('The new room; `api_key` is shown only here.', streamRooms.createRoomResponse),
        ...withBodyErrors,
        409: { description: 'Conflict - Idempotency-Key already used for another room', schema: streamRooms.streamRoomsError },
      },
      handle: endpoint(streamRooms.createRoomBody, (req, caller, body) =>
        useCases.createRoom(ctx, { body, caller, ip: req.ip, ...(req.headers['idempotency-key'] ? { idempotencyKey: req.headers['idempotency-key'].slice(0, 200) } : {}) }),
      ),
    },
    {
      ...common,
      method: 'get',
      path: '/rooms',
      operationId: 'listOwnedRooms',
      summary: 'List Owned Rooms',
      description: 'Returns all rooms owned by the authenticated user. Requires Bearer token.',
      security: ['bearer'],
      responses: { ...ok('Rooms owned by the caller, newest first.', streamRooms.listRoomsResponse), ...errorResponses },
      handle: endpoint(undefined, async (_req, caller) => {
        const rooms = await useCases.listOwnedRooms(ctx, caller);
        return isRefusal(rooms) ? rooms : { rooms };
      }),
    },
    {
      ...common,
      method: 'get',
      path: '/rooms/{room}/public',
      operationId: 'getPublicRoom',
      summary: 'Get Room (Public)',
      description: 'Returns public metadata for a room. No authentication required.',
      responses: { ...ok('Public metadata.', streamRooms.publicRoom), 404: errorResponses[404], 429: errorResponses[429] },
      handle: (req) => publicRoomHandler(ctx, publicQuota, req),
    },
    {
      ...common,
      method: 'put',
      path: '/rooms/{room}',
      operationId: 'updateRoom',
      summary: 'Update Room',
      description: 'Updates room settings. Requires owner token.',
      security: ['bearer'],
      body: streamRooms.updateRoomBody,
      responses: { ...ok('The room as it is now.', streamRooms.ownedRoom), ...withBodyErrors },
      handle: endpoint(streamRooms.updateRoomBody, (req, caller, body) => useCases.updateRoom(ctx, req.params.room!, caller, body)),
    },
    {
      ...common,
      method: 'post',
      path: '/rooms/{room}/tokens',
      operationId: 'mintToken',
      summary: 'Mint Token',
      description: `Mints a JWT for room access. Requires the room API key or the owner token. \`ttl\` is at most ${streamRooms.maxTokenTtlSeconds} seconds.`,
      security: ['bearer', 'apiKey'],
      body: streamRooms.mintTokenBody,
      responses: { ...ok('A room token.', streamRooms.mintTokenResponse), ...withBodyErrors },
      handle: endpoint(streamRooms.mintTokenBody, (req, caller, body) => useCases.mintToken(ctx, req.params.room!, caller, body)),
    },
    {
      ...common,
      method: 'post',
      path: '/rooms/{room}/moderation',
      operationId: 'moderateUser',
      summary: 'Moderate User',
      description: 'Ban, mute, unban, unmute or stealth-ban a user. Requires a moderator or owner token. The owner cannot be moderated; only the owner can restrict a moderator.',
      security: ['bearer'],
      body: streamRooms.moderateBody,
      responses: { ...ok('The action as recorded.', streamRooms.moderateResponse), ...withBodyErrors },
      handle: endpoint(streamRooms.moderateBody, (req, caller, body) => useCases.moderate(ctx, req.params.room!, caller, body)),
    },
    {
      ...common,
      method: 'delete',
      path: '/rooms/{room}/messages/{messageId}',
      operationId: 'removeMessage',
      summary: 'Remove a message (Parley extension)',
      description:
        'Removes one message: viewers get a `removed` frame, history keeps its place with `payload: null`, the audit log records it. ' +
        'Requires a moderator or owner token. Removing a removed message again changes nothing. 404 when the room or the message does not exist.',
      security: ['bearer'],
      query: streamRooms.removeMessageQuery,
      responses: { ...ok('The message is removed.', streamRooms.removeMessageResponse), ...errorResponses, 404: { description: "Not Found - Room or message doesn't exist", schema: streamRooms.streamRoomsError } },
      handle: endpoint(undefined, async (req, caller) => {
        const query = queryOf(streamRooms.removeMessageQuery, req);
        return isRefusal(query) ? query : useCases.removeMessage(ctx, req.params.room!, caller, req.params.messageId!, query.reason);
      }),
    },
    {
      ...common,
      method: 'post',
      path: '/rooms/{room}/api-key',
      operationId: 'rotateApiKey',
      summary: 'Rotate API key (Parley extension)',
      description: 'Issues a new API key; the old one stops working at once. Owner token.',
      security: ['bearer'],
      responses: { ...ok('The new key, shown once.', streamRooms.rotateApiKeyResponse), ...errorResponses },
      handle: endpoint(undefined, (req, caller) => useCases.rotateApiKey(ctx, req.params.room!, caller)),
    },
    {
      ...common,
      method: 'get',
      path: '/rooms/{room}/webhook-secret',
      operationId: 'getWebhookSecret',
      summary: 'Read webhook secret (Parley extension)',
      description: 'The HMAC secret for signed ingress. Owner token.',
      security: ['bearer'],
      responses: { ...ok('The current secret.', streamRooms.webhookSecretResponse), ...errorResponses },
      handle: endpoint(undefined, (req, caller) => useCases.webhookSecret(ctx, req.params.room!, caller)),
    },
    {
      ...common,
      method: 'post',
      path: '/rooms/{room}/webhook-secret',
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate webhook secret (Parley extension)',
      description: 'Issues a new HMAC secret; the previous one keeps working for `grace_seconds`. Owner token.',
      security: ['bearer'],
      body: optionalRotateBody,
      responses: { ...ok('The new secret.', streamRooms.webhookSecretResponse), ...withBodyErrors },
      handle: endpoint(optionalRotateBody, (req, caller, body) =>
        useCases.rotateWebhookSecret(ctx, req.params.room!, caller, body.grace_seconds),
      ),
    },
    {
      ...common,
      tags: ['Admin'],
      method: 'get',
      path: '/admin/audit-log',
      operationId: 'readAuditLog',
      summary: 'Audit log (admins)',
      description: 'Every room change and moderation action, newest first. Identity token of an admin (`PARLEY_ADMINS`). Query: room, actor, target, action, since, until (ISO 8601), limit (≤ 500), cursor.',
      security: ['bearer'],
      query: streamRooms.auditLogQuery,
      responses: { ...ok('A page of entries.', streamRooms.auditLogResponse), ...errorResponses },
      handle: endpoint(undefined, async (req, caller) => {
        const query = queryOf(streamRooms.auditLogQuery, req);
        return isRefusal(query) ? query : useCases.readAuditLog(ctx, caller, query);
      }),
    },
  ];
}

/** The request's query as `schema` reads it, or the refusal (400) a bad one gets. */
function queryOf<S extends ZodType>(schema: S, req: HttpRequest): z.output<S> | Refusal {
  const parsed = validate(schema, Object.fromEntries(req.query));
  return parsed.ok ? parsed.value : { refused: 'invalid', message: parsed.message };
}

/** The hot read: no token, no await when the room is projected. */
function publicRoomHandler(ctx: ApiContext, publicQuota: FixedWindowQuota, req: HttpRequest): HttpReply | Promise<HttpReply> {
  const q = publicQuota.check(req.ip, ctx.now());
  const headers = quotaHeaders(q);
  if (!q.allowed) return streamRoomsError(429, 'Too many requests', headers);
  const found = useCases.publicRoom(ctx, req.params.room!);
  const reply = (room: unknown): HttpReply => (room ? { status: 200, body: room, headers } : streamRoomsError(404, "Room doesn't exist", headers));
  return found instanceof Promise ? found.then(reply) : reply(found);
}
