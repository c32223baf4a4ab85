import { history, streamRooms } from '@parley/contracts';
import type { HttpReply, HttpRequest } from '@parley/infra/http';
import { quotaHeaders } from '@parley/infra/rate-limit';
import { identifyCallerWithSession } from '../../application/account-session.js';
import { callerKey, callerQuota } from '../../application/caller.js';
import { readHistory } from '../../application/history.js';
import { isRefusal } from '../../application/outcome.js';
import type { ApiContext } from '../../context.js';
import type { Operation } from '../shared/operation.js';
import { validate } from '../shared/parse.js';
import { refusalReply, streamRoomsError } from '../stream-rooms/errors.js';

const error = (description: string) => ({ description, schema: streamRooms.streamRoomsError });
const rateHeaders = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * `GET /rooms/{room}/messages` (Parley extension): recent history from the timeline projection,
 * under the stream-rooms caller quota and with its error shape.
 */
export function historyOperations(ctx: ApiContext): Operation[] {
  const quota = callerQuota(ctx);

  const handle = async (req: HttpRequest): Promise<HttpReply> => {
    const caller = await identifyCallerWithSession(ctx, req.headers.authorization);
    const q = quota.check(callerKey(caller, req.ip), ctx.now());
    const headers = quotaHeaders(q);
    if (!q.allowed) return streamRoomsError(429, 'Too many requests', headers);
    const query = validate(history.historyQuery, Object.fromEntries(req.query));
    if (!query.ok) return streamRoomsError(400, query.message, headers);
    const result = await readHistory(ctx, req.params.room!, caller, query.value);
    const reply = isRefusal(result) ? refusalReply(result) : { status: 200, body: result };
    return { ...reply, headers: { ...reply.headers, ...headers } };
  };

  return [
    {
      method: 'get',
      path: '/rooms/{room}/messages',
      operationId: 'readRoomHistory',
      summary: 'Room history (Parley extension)',
      description:
        'Recent messages of the room, oldest first, from the timeline projection; it waits (up to 1 s) for the projection to catch up, so a client reads its own writes. ' +
        'Without `after`: the newest `limit` messages (before `before`, if given); with `after`: the oldest `limit` messages after it. `seq` is the room sequence number of the `msg` frames. ' +
        'Auth: a room token for this room (stealth messages are shown to moderators and their sender only), the owner or a moderator identity token, or the room API key (sees everything). ' +
        'Removed messages keep their place with `payload: null`.',
      tags: ['Stream rooms'],
      security: ['bearer', 'apiKey'],
      query: history.historyQuery,
      responses: {
        200: { description: 'A page of messages.', schema: history.historyResponse, headers: rateHeaders },
        400: error('Bad Request - Invalid parameters'),
        401: error('Unauthorized - Invalid or missing token'),
        403: error('Forbidden - Insufficient permissions'),
        404: error("Not Found - Room doesn't exist"),
        429: { ...error('Rate Limited - Too many requests'), headers: ['Retry-After', ...rateHeaders] },
        500: error('Server Error'),
      },
      route: { onError: () => streamRoomsError(500, 'Server Error') },
      handle,
    },
  ];
}
