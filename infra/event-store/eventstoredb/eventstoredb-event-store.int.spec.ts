import { describe } from 'vitest';
import { eventStoreContract } from '../contract.js';
import { eventStoreDbEventStore } from './eventstoredb-event-store.js';

const url = process.env.EVENTSTORE_URL;

if (!url) {
  // Said once per run, so a green suite does not read as "EventStoreDB passed".
  console.warn(
    '[eventstoredb] EVENTSTORE_URL is not set: the EventStoreDB contract suite is skipped. ' +
      'No EventStoreDB server can be installed on this machine; point EVENTSTORE_URL at one ' +
      '(e.g. esdb://127.0.0.1:2113?tls=false) to run it.',
  );
}

describe.skipIf(!url)('eventstoredb event store (needs EVENTSTORE_URL)', () => {
  // Every test writes to streams with fresh random names, so one server can be shared and reused.
  eventStoreContract('eventstoredb', () => eventStoreDbEventStore({ connectionString: url! }));
});
