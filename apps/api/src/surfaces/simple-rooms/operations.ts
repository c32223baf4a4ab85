import { simpleRooms } from '@parley/contracts';
import { parseJsonBody, type HttpReply, type HttpRequest } from '@parley/infra/http';
import type { z, ZodType } from 'zod';
import type { AccountSession } from '../../application/account-session.js';
import { isRefusal } from '../../application/outcome.js';
import * as useCases from '../../application/simple-rooms.js';
import type { ApiContext } from '../../context.js';
import type { Operation } from '../shared/operation.js';
import { chatOperations } from './chat-operations.js';
import { refusalReply, simpleRoomsError } from './errors.js';
import { simpleRoomsIdentifier } from './identify.js';
import { errors, ok, operationDefaults } from './operation-parts.js';

export { SIMPLE_ROOMS_RATE_LIMIT } from './identify.js';

/**
 * The simple-rooms REST surface (`/api/rooms`, simple-rooms-rest.txt). Authentication is an
 * account access token (`Authorization: Bearer`) plus `X-Username`, which must name the token's
 * account: a mismatch is 401 (the two credentials disagree, so the caller is not authenticated),
 * as is a missing `X-Username` on a write. Reads work anonymously; a token there widens what
 * is visible (private rooms of the caller), and the legacy `username` query never does.
 */
export function simpleRoomsOperations(ctx: ApiContext): Operation[] {
  const identify = simpleRoomsIdentifier(ctx);

  /** Identify, parse the body (optional when `bodyOptional`), run the use case, shape the answer. */
  function endpoint<S extends ZodType | undefined>(
    options: { write: boolean; body?: S; bodyOptional?: boolean },
    run: (req: HttpRequest, session: AccountSession | null, body: S extends ZodType ? z.output<S> : undefined) => Promise<unknown>,
  ) {
    return async (req: HttpRequest): Promise<HttpReply> => {
      const who = await identify(req, options.write);
      if ('reply' in who) return who.reply;
      let body: unknown;
      if (options.body) {
        const json = req.body.length === 0 && options.bodyOptional ? ({ ok: true, value: {} } as const) : parseJsonBody(req.body);
        const parsed = json.ok ? options.body.safeParse(json.value) : null;
        if (!parsed?.success) return simpleRoomsError(400, who.headers);
        body = parsed.data;
      }
      const result = await run(req, who.session, body as never);
      return isRefusal(result) ? refusalReply(result, who.headers) : { status: 200, body: result, headers: who.headers };
    };
  }

  const { reads, writes } = operationDefaults;
  const id = (req: HttpRequest) => req.params.id!;

  return [
    {
      ...reads,
      method: 'get',
      path: '/api/rooms',
      operationId: 'simpleRoomsList',
      summary: 'List Rooms',
      description: 'Public rooms, plus the private rooms the caller (by token) is a member of, oldest first. The `username` query parameter is legacy and ignored.',
      query: simpleRooms.listRoomsQuery,
      responses: { ...ok('The rooms the caller may see.', simpleRooms.listRoomsResponse), 401: errors[401], 429: errors[429] },
      handle: endpoint({ write: false }, (_req, session) => useCases.listRooms(ctx, session)),
    },
    {
      ...writes,
      method: 'post',
      path: '/api/rooms',
      operationId: 'simpleRoomsCreate',
      summary: 'Create Room',
      description: 'Public rooms: admins only (`PARLEY_ADMINS`, `ryo` by default), `name` required. Private rooms: at least one member; the creator is added; the name is generated (`@alice, @bob`).',
      body: simpleRooms.createRoomBody,
      responses: { ...ok('The new room.', simpleRooms.roomResponse), ...errors },
      handle: endpoint({ write: true, body: simpleRooms.createRoomBody }, (_req, session, body) => useCases.createRoom(ctx, session, body)),
    },
    {
      ...reads,
      method: 'get',
      path: '/api/rooms/{id}',
      operationId: 'simpleRoomsGet',
      summary: 'Get Room',
      description: 'A public room, or a private room of which the caller is a member (others: 404).',
      responses: { ...ok('The room.', simpleRooms.roomResponse), 401: errors[401], 404: errors[404], 429: errors[429] },
      handle: endpoint({ write: false }, (req, session) => useCases.getRoom(ctx, session, id(req))),
    },
    {
      ...writes,
      method: 'delete',
      path: '/api/rooms/{id}',
      operationId: 'simpleRoomsDelete',
      summary: 'Delete Room',
      description: 'Public rooms: admins only. Private rooms: a member "deletes" by leaving; the room is removed when at most one member remains.',
      responses: { ...ok('Done.', simpleRooms.successResponse), ...errors },
      handle: endpoint({ write: true }, (req, session) => useCases.deleteRoom(ctx, session, id(req))),
    },
    {
      ...writes,
      method: 'post',
      path: '/api/rooms/{id}/join',
      operationId: 'simpleRoomsJoin',
      summary: 'Join Room',
      description: 'Become an active user of a public room (a member of a private room already is). Joining twice changes nothing. A body `username` other than the caller\'s is 403.',
      body: simpleRooms.membershipBody,
      responses: { ...ok('Done.', simpleRooms.successResponse), ...errors },
      handle: endpoint({ write: true, body: simpleRooms.membershipBody, bodyOptional: true }, (req, session, body) => useCases.joinRoom(ctx, session, id(req), body.username)),
    },
    {
      ...writes,
      method: 'post',
      path: '/api/rooms/{id}/leave',
      operationId: 'simpleRoomsLeave',
      summary: 'Leave Room',
      description: 'Public room: stop being active. Private room: give up membership; the room is removed when at most one member remains.',
      body: simpleRooms.membershipBody,
      responses: { ...ok('Done.', simpleRooms.successResponse), ...errors },
      handle: endpoint({ write: true, body: simpleRooms.membershipBody, bodyOptional: true }, (req, session, body) => useCases.leaveRoom(ctx, session, id(req), body.username)),
    },
    {
      ...reads,
      method: 'get',
      path: '/api/rooms/{id}/users',
      operationId: 'simpleRoomsUsers',
      summary: 'List Active Users',
      description: 'Active users with the time they joined (ms epoch), in join order.',
      responses: { ...ok('The active users.', simpleRooms.roomUsersResponse), 401: errors[401], 404: errors[404], 429: errors[429] },
      handle: endpoint({ write: false }, (req, session) => useCases.roomUsers(ctx, session, id(req))),
    },
    ...chatOperations(ctx, identify),
  ];
}
