#!/usr/bin/env node
// What one hop between two processes costs on this machine: two Node processes send one byte back
// and forth over loopback TCP, and each side's CPU per round trip is read from the kernel.
//   node loadtest/tools/round-trip.mjs [round trips=20000]
// Every message of the cluster profile takes several such hops (request, commit, notifications,
// relay, Kafka fetches), so this is the unit its CPU is spent in.
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf } from '../lib/proc-stat.mjs';

const cpuMicrosOf = (pid) => cpuSecondsOf(pid) * 1e6;

if (process.argv[2] === '--echo') {
  const server = net.createServer((socket) => socket.on('data', (bytes) => socket.write(bytes)));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const trips = Number(process.argv[2] ?? 20_000);
  const echo = fork(fileURLToPath(import.meta.url), ['--echo']);
  const port = await new Promise((resolve) => echo.once('message', resolve));
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const echoBefore = cpuMicrosOf(echo.pid);
  const before = process.cpuUsage();
  const started = performance.now();
  let done = 0;
  await new Promise((resolve) => {
    socket.on('data', () => (++done === trips ? resolve() : socket.write('x')));
    socket.write('x');
  });
  const wallMicros = (performance.now() - started) * 1000;
  const cpu = process.cpuUsage(before);
  const echoCpu = cpuMicrosOf(echo.pid) - echoBefore;
  console.log(
    JSON.stringify({
      roundTrips: trips,
      wallMicrosEach: Number((wallMicros / trips).toFixed(1)),
      senderCpuMicrosEach: Number(((cpu.user + cpu.system) / trips).toFixed(1)),
      senderSystemMicrosEach: Number((cpu.system / trips).toFixed(1)),
      echoCpuMicrosEach: Number((echoCpu / trips).toFixed(1)),
    }),
  );
  socket.destroy();
  echo.kill();
}
