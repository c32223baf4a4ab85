// Append throughput with group commit: N concurrent writers, each appending one event at a time
// and waiting for it to be durable before the next. Usage:
//   npx tsx infra/event-store/bench-append.ts [--writers 64] [--seconds 10] [--store sqlite|postgres] [--writer worker|inline]
import { newEventId } from './event-id.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from './port.js';
import { sqliteEventStore } from './sqlite/sqlite-event-store.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const writers = Number(arg('writers', '64'));
const seconds = Number(arg('seconds', '10'));
const kind = arg('store', 'sqlite');
const writer = arg('writer', 'worker') as 'worker' | 'inline';

async function open(): Promise<{ store: EventStore; cleanup: () => void }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
    return { store: sqliteEventStore({ file: join(dir, 'events.db'), writer }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.DATABASE_URL;
  if (kind === 'postgres' && url) {
    const { postgresEventStore } = (await import('./postgres/index.js')) as unknown as { postgresEventStore: (o: { connectionString: string }) => Promise<EventStore> };
    return { store: await postgresEventStore({ connectionString: url }), cleanup: () => undefined };
  }
  throw new Error(`unknown store ${kind} (postgres needs DATABASE_URL)`);
}

const { store, cleanup } = await open();
const payload = { kind: 'chat', payload: { text: 'Hello from my bot!', displayName: 'StreamBot', userId: 'bot-123', source: 'twitch' } };
let appended = 0;
const latencies: number[] = [];
const end = Date.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    const stream = `room-bench-${w % 16}`;
    while (Date.now() < end) {
      const t = performance.now();
      await store.append(stream, [{ id: newEventId(), type: 'ChatMessagePosted', data: payload }], 'any');
      latencies.push(performance.now() - t);
      appended++;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
console.log(
  JSON.stringify({ store: store.kind, writers, seconds: Number(elapsed.toFixed(1)), events: appended, eventsPerSecond: Math.round(appended / elapsed), p50ms: pct(50), p99ms: pct(99) }),
);
await store.close();
cleanup();
