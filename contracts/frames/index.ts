export * from './server-frames.js';
export * from './client-frames.js';
export * from './close-codes.js';
