export * from './port.js';
export { pollingSubscription } from './subscription.js';
export { sqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
