/**
 * Cost per message of the read models an api node keeps for chat (timeline and audit log), as the
 * projector worker applies them: `sqliteProjector.applyBatch` in transactions of `batch` events,
 * chat messages spread round-robin over `rooms` rooms, on a fresh WAL database file.
 *   npx tsx projections/timeline/bench.ts [events=100000] [batch=20] [rooms=100]
 * Prints µs per event. Spread over many rooms, each commit rewrites a page per room it touches,
 * so both the table layout and the events per commit (`liveCommitIntervalMs`) show here.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLogProjection } from '../audit-log/index.js';
import { sqliteProjector, type StoredEventLike } from '../shared/index.js';
import { timelineProjection } from './index.js';

const [events = 100_000, batch = 20, rooms = 100] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'parley-timeline-bench-'));
const db = new Database(join(dir, 'read-models.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const projector = sqliteProjector({ db, projections: [timelineProjection(), auditLogProjection] });

// Ids that grow with time, as the store's UUIDv7 event and message ids do.
let position = 0;
const idAt = (n: number) => `${Date.now().toString(16).padStart(12, '0')}-7${n.toString(16).padStart(15, '0')}`;
const seqs = new Map<string, number>();
const nextEvent = (): StoredEventLike => {
  position++;
  const roomId = `bench-room-${position % rooms}`;
  const seq = (seqs.get(roomId) ?? -1) + 1;
  seqs.set(roomId, seq);
  const at = Date.now();
  return {
    id: idAt(position),
    stream: `room-${roomId}`,
    revision: seq,
    position,
    type: 'ChatMessagePosted',
    data: {
      messageId: idAt(position + 1e9),
      kind: 'chat',
      payload: { text: `hello stream, message ${position} of the benchmark`, displayName: 'webhook', userId: `u${position % 5000}`, source: 'youtube' },
      meta: { sentAt: at },
      sender: `youtube:u${position % 5000}`,
      visibility: 'all',
      via: 'ingress',
      at,
    },
    metadata: {},
    recordedAt: at,
  };
};

const started = performance.now();
for (let applied = 0; applied < events; applied += batch) projector.applyBatch(Array.from({ length: Math.min(batch, events - applied) }, nextEvent));
const micros = ((performance.now() - started) * 1000) / events;
console.log(JSON.stringify({ events, batch, rooms, microsecondsPerEvent: Number(micros.toFixed(1)) }));
db.close();
rmSync(dir, { recursive: true, force: true });
