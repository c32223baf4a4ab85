export * from './metrics.js';
export * from './logger.js';
export * from './event-loop.js';
