import { ingress, simpleRooms } from '@parley/contracts';
import { parseJsonBody, type HttpReply, type HttpRequest } from '@parley/infra/http';
import { isRefusal } from '../../application/outcome.js';
import { chatHistory, isPosted, postChatMessage } from '../../application/simple-room-chat.js';
import type { ApiContext } from '../../context.js';
import { rateLimitHeaderNames, rateLimitHeaders } from '../community/rate-limit-headers.js';
import type { Operation } from '../shared/operation.js';
import { refusalReply, simpleRoomsError } from './errors.js';
import type { Identified } from './identify.js';
import { error, errors, ok, operationDefaults } from './operation-parts.js';

const MAX_IDEMPOTENCY_KEY = 200;
const perUser = ingress.ingressLimits.perUser;

/**
 * Chat in a simple room (Parley extension, documented in the OpenAPI document): the room `<id>`
 * chats as stream room `sr-<id>`, so messages posted here reach `/ws?room=sr-<id>` viewers as
 * `msg` frames and the timeline, like every other chat. Errors keep the simple-rooms table's
 * one shape (`{ "error": "Room not found" }`).
 */
export function chatOperations(ctx: ApiContext, identify: (req: HttpRequest, write: boolean) => Promise<Identified>): Operation[] {
  const id = (req: HttpRequest) => req.params.id!;

  async function post(req: HttpRequest): Promise<HttpReply> {
    const who = await identify(req, true);
    if ('reply' in who) return who.reply;
    const json = parseJsonBody(req.body);
    const body = json.ok ? simpleRooms.postMessageBody.safeParse(json.value) : null;
    const key = req.headers['idempotency-key'];
    if (!body?.success || (key !== undefined && (key === '' || key.length > MAX_IDEMPOTENCY_KEY))) return simpleRoomsError(400, who.headers);
    const result = await postChatMessage(ctx, who.session, id(req), {
      text: body.data.text,
      ...(body.data.meta !== undefined ? { meta: body.data.meta } : {}),
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      via: 'api',
    });
    if (isPosted(result)) return { status: 201, body: { message: result.posted }, headers: who.headers };
    if ('limited' in result) return simpleRoomsError(429, { ...who.headers, ...rateLimitHeaders(result.limited, perUser.limit, 'room-messages') });
    if ('filtered' in result) return simpleRoomsError(403, who.headers);
    return refusalReply(result, who.headers);
  }

  async function read(req: HttpRequest): Promise<HttpReply> {
    const who = await identify(req, false);
    if ('reply' in who) return who.reply;
    const query = simpleRooms.messagesQuery.safeParse(Object.fromEntries(req.query));
    if (!query.success) return simpleRoomsError(400, who.headers);
    const result = await chatHistory(ctx, who.session, id(req), query.data);
    return isRefusal(result) ? refusalReply(result, who.headers) : { status: 200, body: result, headers: who.headers };
  }

  return [
    {
      ...operationDefaults.writes,
      headers: {
        ...operationDefaults.writes.headers,
        'Idempotency-Key': { description: 'Makes a retry return the first message and post nothing new (per sender and room, 1-200 characters).' },
      },
      method: 'post',
      path: '/api/rooms/{id}/messages',
      operationId: 'simpleRoomsPostMessage',
      summary: 'Post Message (Parley extension)',
      description:
        'Posts a chat message. Public rooms: any signed-in account; private rooms: members only (others get 404). ' +
        'The room chats as stream room `sr-{id}`: the message reaches `/ws?room=sr-{id}` viewers as a `msg` frame with the same `id` and `seq`, and the history below. ' +
        `The chat rules of every room apply: at most ${perUser.limit} messages per ${perUser.windowMs / 1000} s per user and room (429 with \`Retry-After\`), ` +
        'the word filter, and moderation of the chat room (a banned, muted or word-filtered message is 403 and is not stored; a stealth-banned user\'s message is stored and shown to that user only).',
      body: simpleRooms.postMessageBody,
      responses: {
        ...ok('The message, as stored.', simpleRooms.messageResponse, 201),
        400: errors[400],
        401: errors[401],
        403: error('Forbidden: the sender is banned or muted in this room, or the word filter blocked the text.'),
        404: errors[404],
        429: { ...error(`Rate limit exceeded: 2000 requests per minute per account, or ${perUser.limit} messages per ${perUser.windowMs / 1000} s per user and room.`), headers: [...rateLimitHeaderNames, 'Retry-After'] },
      },
      handle: post,
    },
    {
      ...operationDefaults.reads,
      method: 'get',
      path: '/api/rooms/{id}/messages',
      operationId: 'simpleRoomsMessages',
      summary: 'Message History (Parley extension)',
      description:
        'Recent messages, oldest first, from the timeline projection (the read waits up to 1 s for it, so a client reads its own posts). ' +
        'Without `after`: the newest `limit` messages (before `before`, if given); with `after`: the oldest `limit` messages after it. `seq` is the `seq` of the `msg` frames. ' +
        'Public rooms: anyone; private rooms: members only (others get 404). Removed messages are left out. A user banned in the room gets 403.',
      query: simpleRooms.messagesQuery,
      responses: {
        ...ok('A page of messages.', simpleRooms.messagesResponse),
        400: errors[400],
        401: errors[401],
        403: error('Forbidden: the caller is banned in this room.'),
        404: errors[404],
        429: errors[429],
      },
      handle: read,
    },
  ];
}
