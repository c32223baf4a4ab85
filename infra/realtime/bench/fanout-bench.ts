/**
 * Quick local fan-out measurement: one uWS node with createRealtime, 1 room × N sockets held by
 * separate client processes, frames published through the real bus path (synthetic stored events
 * handed to the in-process bus, so the store's append rate is not what is measured).
 * `--bare` publishes the same bytes with plain `app.publish` for a side-by-side baseline.
 *
 *   npx tsx infra/realtime/bench/fanout-bench.ts [sockets=1000] [seconds=5] [--bare]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import uWS from '@trufflesuite/uws-js-unofficial';
import { inprocBus } from '../../bus/inproc-bus.js';
import type { StoredEvent } from '../../event-store/port.js';
import { sqliteEventStore } from '../../event-store/sqlite/sqlite-event-store.js';
import { createRealtime } from '../realtime.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const bare = process.argv.includes('--bare');
const sockets = Number(args[0] ?? 1000);
const seconds = Number(args[1] ?? 5);
const processes = 2;
const room = 'bench';

const app = uWS.App();
const bus = inprocBus();
const store = sqliteEventStore({ file: ':memory:' });
const realtime = await createRealtime({
  app,
  bus,
  store,
  nodeId: 'bench',
  authenticate: async () => ({ ok: true, principal: { userId: 'u', displayName: 'u', roles: ['viewer'], isModerator: false }, maxViewers: null }),
});
if (bare) app.ws('/bare', { maxBackpressure: 2 * 1024 * 1024, closeOnBackpressureLimit: true as unknown as number, open: (ws) => void ws.subscribe('bare') });
const port = await new Promise<number>((resolve) => app.listen('127.0.0.1', 0, (ls) => resolve(uWS.us_socket_local_port(ls as uWS.us_listen_socket))));

let seq = 0;
let position = 0;
const payload = { text: 'a typical chat line of about sixty characters, nothing special', displayName: 'viewer42' };
const eventOf = (): StoredEvent => ({
  id: String(++position),
  stream: `room-${room}`,
  revision: seq++,
  position,
  type: 'ChatMessagePosted',
  data: { roomId: room, messageId: `m${seq}`, kind: 'chat', payload, sender: 'tw:42', visibility: 'all', via: 'ingress', at: Date.now() },
  metadata: {},
  recordedAt: Date.now(),
});
// The first event makes the room exist in the store so the first connection finds its head.
await store.append(`room-${room}`, [{ id: 'created', type: 'RoomCreated', data: { roomId: room } }], 'no_stream');
seq = 1;
const sample = Buffer.from(JSON.stringify({ t: 'msg', room, seq: 1, id: 'm1', kind: 'chat', ts: Date.now(), sender: 'tw:42', payload }));

const clientPath = fileURLToPath(new URL('./frame-counter.ts', import.meta.url));
const children: ChildProcess[] = [];
const counts = new Map<number, { frames: number; open: number; closed: number }>();
for (let p = 0; p < processes; p++) {
  const child = fork(clientPath, [String(port), bare ? '/bare' : `/ws?room=${room}&token=t{i}`, String(Math.ceil(sockets / processes))], {
    execArgv: ['--import', 'tsx'],
  });
  child.on('message', (m) => counts.set(p, m as { frames: number; open: number; closed: number }));
  children.push(child);
}
const total = () => [...counts.values()].reduce((a, c) => ({ frames: a.frames + c.frames, open: a.open + c.open, closed: a.closed + c.closed }), { frames: 0, open: 0, closed: 0 });
while (total().open < sockets) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 500));

// Open loop with a cap: publish a batch per macrotask while the clients keep up (frames in flight bounded).
const batch = 20;
let published = 0;
const start = Date.now();
const startFrames = total().frames;
while (Date.now() - start < seconds * 1000) {
  const inFlight = published * sockets - (total().frames - startFrames);
  if (inFlight < sockets * 200) {
    if (bare) for (let i = 0; i < batch; i++) app.publish('bare', sample, false, false);
    else await bus.publish(Array.from({ length: batch }, eventOf));
    published += batch;
  }
  await new Promise((r) => setImmediate(r));
}
const elapsed = (Date.now() - start) / 1000;
for (const c of children) c.send('report');
await new Promise((r) => setTimeout(r, 300));
const delivered = total().frames - startFrames;
console.log(
  JSON.stringify({
    mode: bare ? 'bare uWS app.publish' : 'createRealtime (bus → ring → topic)',
    sockets,
    seconds: elapsed,
    framesPublished: published,
    framesDelivered: delivered,
    deliveriesPerSecond: Math.round(delivered / elapsed),
    frameBytes: sample.length,
    slowConsumerCloses: realtime.metrics.slowConsumerCloses,
    clientsClosed: total().closed,
  }),
);
for (const c of children) c.send('exit');
await realtime.close();
process.exit(0);
