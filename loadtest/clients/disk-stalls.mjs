#!/usr/bin/env node
// Disk-stall monitor: how long the disk under the data dirs takes to make a small write durable,
// measured beside a latency benchmark so a tail can be told apart from the software's.
//
// Every durable append (SQLite's commit, PostgreSQL's WAL flush) waits for an fdatasync. On the
// virtual disk of the development machine an fdatasync of a few KiB usually takes 0.3–0.6 ms but
// stalls for 40–325 ms a few times a minute with nothing else running; every append that
// arrives meanwhile waits for it. This process writes 4 KiB and fdatasyncs it every
// `--interval-ms` (10) in a file under `--dir`, and reports the stalls longer than
// `--threshold-ms` (40) and the share of the time spent in them.
//
//   node clients/disk-stalls.mjs [--dir /tmp] [--interval-ms 10] [--threshold-ms 40]
// Prints {"event":"ready"}, then on SIGTERM/SIGINT
// {"event":"disk", measuredMs, syncs, p50, p99, max, stalls, stalledMs, stalledShare, longest} (ms) and exits.
// SIGUSR2 forgets what was measured so far (the measured part begins).
// Also usable as a module: startDiskStallMonitor(options) → { begin(), stop(): Promise<summary> }.
// Start it before a warm-up and call begin() when the measured part starts: starting a Node process
// costs a loaded 2-core machine a tenth of a second of CPU, which would otherwise land in the measure.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { startSideProcess } from '../lib/side-process.mjs';

/** Summary of fdatasync durations (ms) over `elapsedMs`: percentiles, and the stalls longer than `thresholdMs`. */
export function summarizeSyncs(durations, elapsedMs, thresholdMs) {
  const sorted = Float64Array.from(durations).sort();
  const at = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
  const stalls = durations.filter((d) => d > thresholdMs);
  const stalledMs = stalls.reduce((sum, d) => sum + d, 0);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    measuredMs: Math.round(elapsedMs),
    syncs: sorted.length,
    p50: round(at(50)),
    p99: round(at(99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
    thresholdMs,
    stalls: stalls.length,
    stalledMs: Math.round(stalledMs),
    stalledShare: elapsedMs > 0 ? Math.round((10000 * stalledMs) / elapsedMs) / 10000 : 0,
    longest: stalls.sort((a, b) => b - a).slice(0, 5).map((d) => Math.round(d)),
  };
}

/** One line for a report: "2 fdatasync stalls > 40 ms (longest 190 ms, 1.2 % of the time)". */
export function describeDiskStalls(summary) {
  if (summary.stalls === 0) return `no fdatasync stall > ${summary.thresholdMs} ms (max ${summary.max} ms)`;
  const share = (100 * summary.stalledShare).toFixed(1);
  return `${summary.stalls} fdatasync stall${summary.stalls === 1 ? '' : 's'} > ${summary.thresholdMs} ms (longest ${summary.longest[0]} ms, ${share} % of the time)`;
}

/** Starts the monitor in its own process; `stop()` resolves with its summary. */
export async function startDiskStallMonitor({ dir = tmpdir(), intervalMs = 10, thresholdMs = 40 } = {}) {
  const monitor = await startSideProcess('disk-stall monitor', fileURLToPath(import.meta.url), [
    '--dir', dir, '--interval-ms', String(intervalMs), '--threshold-ms', String(thresholdMs),
  ]);
  return {
    begin() {
      monitor.signal('SIGUSR2');
    },
    async stop() {
      const summary = (await monitor.stop()).find((l) => l.event === 'disk');
      if (!summary) throw new Error('disk-stall monitor printed no summary');
      const { event: _event, ...rest } = summary;
      return rest;
    },
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(String(args.dir ?? tmpdir()), 'disk-stalls-'));
  const intervalMs = Number(args['interval-ms'] ?? 10);
  const thresholdMs = Number(args['threshold-ms'] ?? 40);
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 120);
  let durations = [];
  let started = performance.now();
  let offset = 0;
  const tick = () => {
    const t = performance.now();
    writeSync(fd, block, 0, block.length, offset);
    fdatasyncSync(fd);
    durations.push(performance.now() - t);
    offset = (offset + block.length) % (16 << 20); // a 16 MiB ring: the file stays small
    timer = setTimeout(tick, intervalMs);
  };
  let timer = setTimeout(tick, 0);
  const finish = () => {
    clearTimeout(timer);
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ event: 'disk', ...summarizeSyncs(durations, performance.now() - started, thresholdMs) }));
    process.exit(0);
  };
  process.on('SIGUSR2', () => {
    durations = [];
    started = performance.now();
  });
  process.once('SIGTERM', finish);
  process.once('SIGINT', finish);
  console.log(JSON.stringify({ event: 'ready' }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
