// Unit tests of how connection-scale runs are spread over server processes: node --test loadtest/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONNECTIONS_PER_FANOUT_NODE,
  bytesPerConnection,
  fanoutNodesFor,
  mergeReady,
  mergeSnapshots,
  planConnections,
  splitEvenly,
} from '../lib/connection-split.mjs';

test('fanoutNodesFor: enough nodes for 15,000 connections each, never fewer than 3', () => {
  assert.equal(CONNECTIONS_PER_FANOUT_NODE, 15_000);
  assert.equal(fanoutNodesFor(0), 3);
  assert.equal(fanoutNodesFor(1000), 3);
  assert.equal(fanoutNodesFor(45_000), 3);
  assert.equal(fanoutNodesFor(45_001), 4);
  assert.equal(fanoutNodesFor(50_000), 4);
  assert.equal(fanoutNodesFor(100_000), 7);
  assert.equal(fanoutNodesFor(10, { perNode: 3, min: 1 }), 4);
  assert.throws(() => fanoutNodesFor(-1));
  assert.throws(() => fanoutNodesFor(10, { perNode: 0 }));
});

test('splitEvenly: parts differ by at most one, larger first, and add up to the total', () => {
  assert.deepEqual(splitEvenly(10, 3), [4, 3, 3]);
  assert.deepEqual(splitEvenly(500, 4), [125, 125, 125, 125]);
  assert.deepEqual(splitEvenly(2, 3), [1, 1, 0]);
  assert.deepEqual(splitEvenly(0, 2), [0, 0]);
  for (const [total, parts] of [[50_000, 7], [1, 1], [99, 10], [12_345, 4]]) {
    const split = splitEvenly(total, parts);
    assert.equal(split.length, parts);
    assert.equal(split.reduce((a, b) => a + b, 0), total);
    assert.ok(Math.max(...split) - Math.min(...split) <= 1);
  }
  assert.throws(() => splitEvenly(10, 0));
  assert.throws(() => splitEvenly(1.5, 2));
});

test('planConnections: every room keeps its viewers in all, spread over the nodes', () => {
  assert.deepEqual(planConnections({ rooms: 100, perRoom: 500, nodes: 4 }), [
    { node: 0, perRoom: 125, connections: 12_500 },
    { node: 1, perRoom: 125, connections: 12_500 },
    { node: 2, perRoom: 125, connections: 12_500 },
    { node: 3, perRoom: 125, connections: 12_500 },
  ]);
  const smoke = planConnections({ rooms: 100, perRoom: 10, nodes: 3 });
  assert.deepEqual(
    smoke.map((p) => p.connections),
    [400, 300, 300],
  );
  assert.equal(smoke.reduce((s, p) => s + p.connections, 0), 1000);
  // Fewer viewers per room than nodes: the idle nodes get no counter at all.
  assert.deepEqual(planConnections({ rooms: 5, perRoom: 2, nodes: 3 }), [
    { node: 0, perRoom: 1, connections: 5 },
    { node: 1, perRoom: 1, connections: 5 },
  ]);
  // As the harness uses it: 100 rooms, fanoutNodesFor(n) nodes; no node gets more than its
  // 15,000 (plus at most one per room from rounding), far below the 20,000-descriptor limit.
  for (const connections of [1000, 45_000, 50_000, 100_000, 149_999]) {
    const perRoom = Math.ceil(connections / 100);
    const plan = planConnections({ rooms: 100, perRoom, nodes: fanoutNodesFor(connections) });
    assert.equal(plan.reduce((s, p) => s + p.connections, 0), perRoom * 100);
    assert.ok(plan.every((p) => p.connections <= CONNECTIONS_PER_FANOUT_NODE + 100), JSON.stringify(plan));
  }
  assert.throws(() => planConnections({ rooms: 0, perRoom: 1, nodes: 3 }));
});

test('mergeReady: sums counts and processes, merges failure reasons, keeps the widest source range', () => {
  const merged = mergeReady([
    { connections: 400, ready: 398, failed: 2, reasons: { 'ready timeout': 1, ECONNRESET: 1 }, procs: 1, sources: 1 },
    { connections: 300, ready: 300, failed: 0, reasons: {}, procs: 1, sources: 1 },
    { connections: 300, ready: 297, failed: 3, reasons: { 'ready timeout': 3 }, procs: 2, sources: 50 },
  ]);
  assert.deepEqual(merged, {
    connections: 1000,
    ready: 995,
    failed: 5,
    reasons: { 'ready timeout': 4, ECONNRESET: 1 },
    procs: 4,
    sources: 50,
    client: 'node',
  });
});

test('mergeReady: says the C counter counted only when every part did, and why one did not', () => {
  const part = (client, extra = {}) => ({ connections: 1, ready: 1, failed: 0, reasons: {}, procs: 1, sources: 1, client, ...extra });
  assert.equal(mergeReady([part('native'), part('native')]).client, 'native');
  const mixed = mergeReady([part('native'), part('node', { clientFallback: 'C counter not built: cc: ENOENT' })]);
  assert.equal(mixed.client, 'node');
  assert.equal(mixed.clientFallback, 'C counter not built: cc: ENOENT');
});

test('mergeSnapshots: counts added over the nodes, their processes side by side, the earliest time', () => {
  const node1 = { at: 1000.5, frames: 300, cpuMicros: 40, open: 10, closed: 1, perProcess: [{ frames: 300, cpuMicros: 40 }] };
  const node2 = { at: 1000.2, frames: 200, cpuMicros: 60, open: 9, closed: 0, perProcess: [{ frames: 120, cpuMicros: 35 }, { frames: 80, cpuMicros: 25 }] };
  assert.deepEqual(mergeSnapshots([node1, node2]), {
    at: 1000.2,
    frames: 500,
    cpuMicros: 100,
    open: 19,
    closed: 1,
    perProcess: [{ frames: 300, cpuMicros: 40 }, { frames: 120, cpuMicros: 35 }, { frames: 80, cpuMicros: 25 }],
  });
  // One node: the snapshot as it was.
  assert.deepEqual(mergeSnapshots([node1]), node1);
});

test('bytesPerConnection: the growth of every process, summed, per open connection', () => {
  const MiB = 2 ** 20;
  // Three nodes, 100 MiB each before; they grew by 10, 12 and 8 MiB over 30,000 sockets.
  const before = [100 * MiB, 100 * MiB, 100 * MiB];
  const after = [110 * MiB, 112 * MiB, 108 * MiB];
  assert.equal(bytesPerConnection(before, after, 30_000), Math.round((30 * MiB) / 30_000));
  // A process that shrank (GC) counts against the total, not as zero.
  assert.equal(bytesPerConnection([10, 10], [30, 0], 2), 5);
  assert.equal(bytesPerConnection(before, after, 0), null);
  assert.throws(() => bytesPerConnection([1], [1, 2], 1));
});
