/**
 * Memory per idle connection: RSS of this server process before and after N idle WebSocket
 * connections (held by separate client processes) join one room, after GC.
 *
 *   node --expose-gc --import tsx infra/realtime/bench/idle-memory.ts [sockets=5000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import uWS from '@trufflesuite/uws-js-unofficial';
import { inprocBus } from '../../bus/inproc-bus.js';
import { sqliteEventStore } from '../../event-store/sqlite/sqlite-event-store.js';
import { createRealtime } from '../realtime.js';

const sockets = Number(process.argv[2] ?? 5000);
const processes = 2;
const app = uWS.App();
const store = sqliteEventStore({ file: ':memory:' });
await store.append('room-idle', [{ id: 'created', type: 'RoomCreated', data: { roomId: 'idle' } }], 'no_stream');
let n = 0;
const realtime = await createRealtime({
  app,
  bus: inprocBus(),
  store,
  nodeId: 'mem',
  authenticate: async () => ({ ok: true, principal: { userId: `u${++n}`, displayName: 'viewer', roles: ['viewer'], isModerator: false }, maxViewers: null }),
});
const port = await new Promise<number>((resolve) => app.listen('127.0.0.1', 0, (ls) => resolve(uWS.us_socket_local_port(ls as uWS.us_listen_socket))));

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage();
};
// Warm up code paths with a few connections first, so the delta is per connection, not JIT.
const clientPath = fileURLToPath(new URL('./frame-counter.ts', import.meta.url));
const spawn = (count: number) =>
  fork(clientPath, [String(port), '/ws?room=idle&token=t{i}', String(count)], { execArgv: ['--import', 'tsx'] });
const warm = spawn(20);
while (realtime.online('idle') < 20) await new Promise((r) => setTimeout(r, 20));
const before = await settle();
const children: ChildProcess[] = [];
for (let p = 0; p < processes; p++) children.push(spawn(sockets / processes));
while (realtime.online('idle') < sockets + 20) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1000)); // presence frames sent, sockets settled
const after = await settle();
const per = (a: number, b: number) => Math.round((b - a) / sockets);
console.log(
  JSON.stringify({
    sockets,
    rssBeforeMiB: +(before.rss / 2 ** 20).toFixed(1),
    rssAfterMiB: +(after.rss / 2 ** 20).toFixed(1),
    rssBytesPerConnection: per(before.rss, after.rss),
    heapBytesPerConnection: per(before.heapUsed, after.heapUsed),
  }),
);
for (const c of [warm, ...children]) c.send('exit');
await realtime.close();
process.exit(0);
