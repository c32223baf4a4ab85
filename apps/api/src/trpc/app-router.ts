import { accountsRouter } from './accounts-router.js';
import { adminAnalyticsRouter } from './admin-analytics-router.js';
import { adminRouter, roomsRouter } from './rooms-router.js';
import { simpleRoomsRouter } from './simple-rooms-router.js';
import { router } from './trpc.js';

export const appRouter = router({
  rooms: roomsRouter,
  admin: adminRouter,
  accounts: accountsRouter,
  simpleRooms: simpleRoomsRouter,
  adminAnalytics: adminAnalyticsRouter,
});

/** What a TypeScript client imports (`import type { AppRouter } from '@parley/app-api/trpc'`). */
export type AppRouter = typeof appRouter;
