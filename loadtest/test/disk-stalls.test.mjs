// Unit tests of the disk-stall monitor's summary and its process: node --test loadtest/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDiskStalls, startDiskStallMonitor, summarizeSyncs } from '../clients/disk-stalls.mjs';

test('summarizeSyncs: percentiles, the stalls over the threshold and their share of the time', () => {
  const durations = [...Array(96).fill(0.5), 1, 2, 120, 60];
  const s = summarizeSyncs(durations, 10_000, 40);
  assert.equal(s.measuredMs, 10_000);
  assert.equal(s.syncs, 100);
  assert.equal(s.p50, 0.5);
  assert.equal(s.p99, 120);
  assert.equal(s.max, 120);
  assert.equal(s.stalls, 2);
  assert.equal(s.stalledMs, 180);
  assert.equal(s.stalledShare, 0.018);
  assert.deepEqual(s.longest, [120, 60]);
});

test('summarizeSyncs: a sync exactly at the threshold is not a stall; no syncs give nulls, not NaN', () => {
  assert.equal(summarizeSyncs([40, 40.5], 1000, 40).stalls, 1);
  const empty = summarizeSyncs([], 0, 40);
  assert.equal(empty.syncs, 0);
  assert.equal(empty.p50, null);
  assert.equal(empty.max, null);
  assert.equal(empty.stalledShare, 0);
});

test('describeDiskStalls: one line either way', () => {
  assert.equal(describeDiskStalls(summarizeSyncs([0.4, 6.3], 1000, 40)), 'no fdatasync stall > 40 ms (max 6.3 ms)');
  assert.equal(describeDiskStalls(summarizeSyncs([0.4, 190, 50], 20_000, 40)), '2 fdatasync stalls > 40 ms (longest 190 ms, 1.2 % of the time)');
  assert.equal(describeDiskStalls(summarizeSyncs([0.4, 41], 1000, 40)), '1 fdatasync stall > 40 ms (longest 41 ms, 4.1 % of the time)');
});

test('startDiskStallMonitor: the process syncs until stopped and reports what it measured', async () => {
  const monitor = await startDiskStallMonitor({ intervalMs: 5 });
  await new Promise((r) => setTimeout(r, 400));
  const summary = await monitor.stop();
  assert.ok(summary.syncs >= 10, `expected at least 10 syncs in 400 ms, got ${summary.syncs}`);
  assert.ok(summary.p50 > 0 && summary.max >= summary.p50);
  assert.equal(summary.thresholdMs, 40);
});

test('startDiskStallMonitor: begin() forgets the syncs before it, so a warm-up is not in the summary', async () => {
  const monitor = await startDiskStallMonitor({ intervalMs: 5 });
  await new Promise((r) => setTimeout(r, 600));
  monitor.begin();
  await new Promise((r) => setTimeout(r, 100));
  const summary = await monitor.stop();
  assert.ok(summary.measuredMs < 400, `expected the summary to cover the last 100 ms, not the whole 700: ${summary.measuredMs} ms`);
  assert.ok(summary.syncs >= 1 && summary.syncs <= Math.ceil(summary.measuredMs / 5) + 1, `${summary.syncs} syncs in ${summary.measuredMs} ms`);
});
