/**
 * The community-chat surface (`/api/...`, community-chat-rest.txt): its `{ success, data }`
 * envelope and error shape, rate-limit headers, and the Authentication endpoints.
 */
export { authOperations } from './auth-operations.js';
export * from './envelope.js';
export { rateLimitHeaders, rateLimitHeaderNames } from './rate-limit-headers.js';
