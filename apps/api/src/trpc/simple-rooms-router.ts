import { simpleRooms } from '@parley/contracts';
import { z } from 'zod';
import { accountOfCaller } from '../application/account-session.js';
import * as useCases from '../application/simple-rooms.js';
import type { TrpcContext } from './trpc.js';
import { publicProcedure, router, unwrap } from './trpc.js';

const room = z.object({ id: z.string().min(1).max(64) });

/** The caller's account (null: anonymous); a bad or ended session is UNAUTHORIZED. */
const sessionOf = async (ctx: TrpcContext) => unwrap(await accountOfCaller(ctx.api, ctx.caller));

export const simpleRoomsRouter = router({
  list: publicProcedure.query(async ({ ctx }) => useCases.listRooms(ctx.api, await sessionOf(ctx))),
  get: publicProcedure.input(room).query(async ({ ctx, input }) => unwrap(await useCases.getRoom(ctx.api, await sessionOf(ctx), input.id))),
  users: publicProcedure.input(room).query(async ({ ctx, input }) => unwrap(await useCases.roomUsers(ctx.api, await sessionOf(ctx), input.id))),
  create: publicProcedure.input(simpleRooms.createRoomBody).mutation(async ({ ctx, input }) => unwrap(await useCases.createRoom(ctx.api, await sessionOf(ctx), input))),
  join: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.joinRoom(ctx.api, await sessionOf(ctx), input.id))),
  leave: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.leaveRoom(ctx.api, await sessionOf(ctx), input.id))),
  delete: publicProcedure.input(room).mutation(async ({ ctx, input }) => unwrap(await useCases.deleteRoom(ctx.api, await sessionOf(ctx), input.id))),
});
