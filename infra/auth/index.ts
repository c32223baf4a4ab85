export * from './tokens.js';
export * from './secrets.js';
