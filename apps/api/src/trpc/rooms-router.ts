import { history, streamRooms } from '@parley/contracts';
import { z } from 'zod';
import { readHistory } from '../application/history.js';
import * as useCases from '../application/stream-rooms.js';
import { publicProcedure, router, unwrap } from './trpc.js';

const room = z.object({ room: z.string().min(1).max(64) });

export const roomsRouter = router({
  create: publicProcedure
    .input(streamRooms.createRoomBody.extend({ idempotencyKey: z.string().min(1).max(200).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { idempotencyKey, ...body } = input;
      const key = idempotencyKey ?? ctx.idempotencyKey;
      return unwrap(await useCases.createRoom(ctx.api, { body, caller: ctx.caller, ip: ctx.ip, ...(key ? { idempotencyKey: key } : {}) }));
    }),
  listOwned: publicProcedure.query(async ({ ctx }) => ({ rooms: unwrap(await useCases.listOwnedRooms(ctx.api, ctx.caller)) })),
  getPublic: publicProcedure.input(room).query(async ({ ctx, input }) => {
    const found = await useCases.publicRoom(ctx.api, input.room);
    return unwrap(found ?? { refused: 'not_found' as const, message: "Room doesn't exist" });
  }),
  update: publicProcedure
    .input(room.extend(streamRooms.updateRoomBody.shape))
    .mutation(async ({ ctx, input: { room, ...body } }) => unwrap(await useCases.updateRoom(ctx.api, room, ctx.caller, body))),
  mintToken: publicProcedure
    .input(room.extend(streamRooms.mintTokenBody.shape))
    .mutation(async ({ ctx, input: { room, ...body } }) => unwrap(await useCases.mintToken(ctx.api, room, ctx.caller, body))),
  moderate: publicProcedure
    .input(room.extend(streamRooms.moderateBody.shape))
    .mutation(async ({ ctx, input: { room, ...body } }) => unwrap(await useCases.moderate(ctx.api, room, ctx.caller, body))),
  removeMessage: publicProcedure
    .input(room.extend({ messageId: z.string().min(1).max(200) }).extend(streamRooms.removeMessageQuery.shape))
    .mutation(async ({ ctx, input }) => unwrap(await useCases.removeMessage(ctx.api, input.room, ctx.caller, input.messageId, input.reason))),
  rotateApiKey: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.rotateApiKey(ctx.api, input.room, ctx.caller))),
  webhookSecret: publicProcedure.input(room).query(async ({ ctx, input }) => unwrap(await useCases.webhookSecret(ctx.api, input.room, ctx.caller))),
  rotateWebhookSecret: publicProcedure
    .input(room.extend(streamRooms.rotateWebhookSecretBody.shape))
    .mutation(async ({ ctx, input }) => unwrap(await useCases.rotateWebhookSecret(ctx.api, input.room, ctx.caller, input.grace_seconds))),
  history: publicProcedure
    .input(room.extend(history.historyQuery.shape))
    .query(async ({ ctx, input: { room, ...query } }) => unwrap(await readHistory(ctx.api, room, ctx.caller, query))),
});

export const adminRouter = router({
  auditLog: publicProcedure.input(streamRooms.auditLogQuery).query(async ({ ctx, input }) => unwrap(await useCases.readAuditLog(ctx.api, ctx.caller, input))),
});
