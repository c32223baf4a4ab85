import { simpleRooms } from '@parley/contracts';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { accountOfCaller } from '../application/account-session.js';
import { chatHistory, isPosted, postChatMessage, type PostResult } from '../application/simple-room-chat.js';
import * as useCases from '../application/simple-rooms.js';
import type { TrpcContext } from './trpc.js';
import { publicProcedure, router, unwrap } from './trpc.js';

const room = z.object({ id: z.string().min(1).max(64) });

/** The caller's account (null: anonymous); a bad or ended session is UNAUTHORIZED. */
const sessionOf = async (ctx: TrpcContext) => unwrap(await accountOfCaller(ctx.api, ctx.caller));

/** A post's outcome as tRPC answers it: the message, or the refusal's error (429 and 403 for the chat rules). */
function postedOrThrow(result: PostResult): { message: simpleRooms.ChatMessage } {
  if (isPosted(result)) return { message: result.posted };
  if ('limited' in result) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `Too many messages; retry in ${Math.ceil(result.limited.retryAfterMs / 1000)} s` });
  if ('filtered' in result) throw new TRPCError({ code: 'FORBIDDEN', message: `Message filtered (${result.filtered})` });
  return unwrap(result);
}

const sendMessageInput = room.extend(simpleRooms.postMessageBody.shape).extend({ idempotencyKey: z.string().min(1).max(200).optional() });

export const simpleRoomsRouter = router({
  list: publicProcedure.query(async ({ ctx }) => useCases.listRooms(ctx.api, await sessionOf(ctx))),
  get: publicProcedure.input(room).query(async ({ ctx, input }) => unwrap(await useCases.getRoom(ctx.api, await sessionOf(ctx), input.id))),
  users: publicProcedure.input(room).query(async ({ ctx, input }) => unwrap(await useCases.roomUsers(ctx.api, await sessionOf(ctx), input.id))),
  create: publicProcedure.input(simpleRooms.createRoomBody).mutation(async ({ ctx, input }) => unwrap(await useCases.createRoom(ctx.api, await sessionOf(ctx), input))),
  join: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.joinRoom(ctx.api, await sessionOf(ctx), input.id))),
  leave: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.leaveRoom(ctx.api, await sessionOf(ctx), input.id))),
  delete: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.deleteRoom(ctx.api, await sessionOf(ctx), input.id))),
  /** Chat (Parley extension): the room chats as stream room `sr-<id>`; same rules as `POST /api/rooms/{id}/messages`. */
  sendMessage: publicProcedure.input(sendMessageInput).mutation(async ({ ctx, input }) => {
    const key = input.idempotencyKey ?? ctx.idempotencyKey;
    return postedOrThrow(
      await postChatMessage(ctx.api, await sessionOf(ctx), input.id, {
        text: input.text,
        ...(input.meta !== undefined ? { meta: input.meta } : {}),
        ...(key !== undefined ? { idempotencyKey: key } : {}),
        via: 'api',
      }),
    );
  }),
  history: publicProcedure
    .input(room.extend(simpleRooms.messagesQuery.shape))
    .query(async ({ ctx, input: { id, ...query } }) => unwrap(await chatHistory(ctx.api, await sessionOf(ctx), id, query))),
});
