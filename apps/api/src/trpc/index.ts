export { appRouter, type AppRouter } from './app-router.js';
export { trpcHandler } from './http.js';
