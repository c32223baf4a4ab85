export * from './port.js';
export { pollingSubscription } from './subscription.js';
export { sqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
export { postgresEventStore, type PostgresEventStoreOptions } from './postgres/index.js';
export { eventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb/index.js';
