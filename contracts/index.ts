export * from './events/index.js';
export * from './rest/index.js';
export * from './frames/index.js';
