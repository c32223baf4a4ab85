export { postgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store.js';
