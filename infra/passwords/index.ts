export * from './passwords.js';
