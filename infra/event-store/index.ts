export * from './port.js';
export { newEventId } from './event-id.js';
export { pollingSubscription } from './subscription.js';
export { sqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
// The cluster adapters pull in heavy clients (pg, gRPC); import them by path so the embedded
// profile never loads them: `@parley/infra/event-store/postgres`, `@parley/infra/event-store/eventstoredb`.
export { openLogReader, sqliteLogReaderModule, type LogReader } from './sqlite/log-reader.js';
