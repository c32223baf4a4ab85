export * from './types.js';
export * from './json-body.js';
export * from './server.js';
export * from './fetch-bridge.js';
export * from './client-ip.js';
