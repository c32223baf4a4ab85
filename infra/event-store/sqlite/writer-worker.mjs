// Worker thread that owns the SQLite event store's write connection, so inserts and the fsync
// of each commit do not block the main thread. Messages: { seq, packed } (see packed-appends.mjs) or { seq, appends } → { seq, recordedAt, outcomes } | { seq, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { createWriter, openDatabase } from './sqlite-writer.mjs';
import { unpackAppends } from './packed-appends.mjs';

const db = openDatabase(workerData.file);
const writer = createWriter(db);

parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    const { recordedAt, outcomes } = writer.appendBatch(message.packed !== undefined ? unpackAppends(message.packed) : message.appends);
    parentPort.postMessage({ seq: message.seq, recordedAt, outcomes });
  } catch (error) {
    parentPort.postMessage({ seq: message.seq, error: String(error?.stack ?? error) });
  }
});
parentPort.postMessage({ ready: true });
