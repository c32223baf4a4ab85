import { adminRouter, roomsRouter } from './rooms-router.js';
import { router } from './trpc.js';

export const appRouter = router({
  rooms: roomsRouter,
  admin: adminRouter,
});

/** What a TypeScript client imports (`import type { AppRouter } from '@parley/app-api/trpc'`). */
export type AppRouter = typeof appRouter;
