/**
 * Pure pieces of the webhook ingress: the bad-word filter and the sliding-window rate limit
 * (20 messages / 10 s per user, 60 / 10 s per IP in the ingress reference; also usable for
 * the 25 / 15 min auth limit).
 */
export * from './bad-word-filter.js';
export * from './default-bad-words.js';
export * from './rate-limiter.js';
export * from './sliding-window-limiter.js';
