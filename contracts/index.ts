export * from './events/index.js';
export * from './rest/index.js';
