export * from './metrics.js';
export * from './logger.js';
export * from './event-loop.js';
export * from './gc-pauses.js';
export * from './main-thread.js';
