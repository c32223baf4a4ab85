export * from './commands.js';
export * from './decide.js';
export * from './roles.js';
export * from './state.js';
export * from './webhook-secret.js';
