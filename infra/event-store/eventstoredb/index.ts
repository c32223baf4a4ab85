export { eventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store.js';
