export * from './rooms.js';
