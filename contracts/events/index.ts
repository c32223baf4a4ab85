export * from './rooms.js';
export * from './users.js';
export * from './simple-rooms.js';
