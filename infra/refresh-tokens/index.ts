export * from './refresh-tokens.js';
