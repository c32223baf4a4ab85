/**
 * Cost per chat message of the embedded api node's read-model projector, as its worker runs it: the
 * events are read back from a SQLite store file by the log reader, and all four projections apply
 * them in commits of `batch` events (the live commit interval decides that size: at 14,000
 * messages/s, 25 ms is 350 events and 100 ms 1,400). Chat messages spread round-robin over `rooms`
 * rooms, with the store's time-ordered ids (UUIDv7) as the api node makes them, a post's event id its message id.
 *   npx tsx apps/api/src/projector-bench.ts [batch=1400] [events=100000] [rooms=100] [timeline=log|copy]
 * The timeline as the embedded profile runs it (`log`: over the store's file, the default) or as a
 * cluster api node does (`copy`). Prints µs per event, in all and for the reads alone.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId, openLogReader, sqliteEventStore } from '@parley/infra/event-store';
import { sqliteProjector } from '@parley/projections/shared';
import { attachEventLog } from '@parley/projections/timeline';
import { apiNodeProjections } from '@parley/projections/worker';

const [batch = 1400, events = 100_000, rooms = 100] = process.argv.slice(2, 5).map(Number);
const timeline = process.argv[5] === 'copy' ? 'timeline' : 'log';
const dir = mkdtempSync(join(tmpdir(), 'parley-projector-bench-'));
try {
  const store = sqliteEventStore({ file: join(dir, 'events.db'), writer: 'inline' });
  for (let appended = 0; appended < events; appended += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, events - appended) }, (_, k) => {
        const roomId = `r${String((appended + k) % rooms).padStart(11, '0')}`;
        const at = Date.now();
        const messageId = newEventId();
        const data = {
          roomId,
          messageId,
          kind: 'chat',
          payload: { text: 'load test message: the quick brown fox jumps over the lazy dog', displayName: 'loadtest', userId: 'bench:publisher' },
          meta: { sentAt: at, seq: appended + k },
          sender: 'webhook:bench:publisher',
          visibility: 'all',
          via: 'ingress',
          at,
        };
        // A post's event id is its message id, as the api node appends it.
        return store.append(`room-${roomId}`, [{ id: messageId, type: 'ChatMessagePosted', data }], 'any');
      }),
    );
  }
  await store.close();

  const db = new Database(join(dir, 'read-models.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The timeline over the log reads messages from the store's file, as the embedded read models do.
  if (timeline === 'log') attachEventLog(db, join(dir, 'events.db'));
  const projector = sqliteProjector({ db, projections: apiNodeProjections({ messagesIn: timeline }) });
  const log = openLogReader(join(dir, 'events.db'));
  let readMs = 0;
  const started = performance.now();
  for (let after = 0; after < events; after += batch) {
    const t = performance.now();
    const range = log.readRange(after, Math.min(after + batch, events));
    readMs += performance.now() - t;
    projector.applyBatch(range);
  }
  const perEvent = (ms: number) => Number(((ms * 1000) / events).toFixed(1));
  console.log(JSON.stringify({ timeline, events, batch, rooms, microsecondsPerEvent: perEvent(performance.now() - started), readMicrosecondsPerEvent: perEvent(readMs) }));
  log.close();
  projector.close();
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
