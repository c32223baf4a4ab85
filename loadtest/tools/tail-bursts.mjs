#!/usr/bin/env node
// Where a latency run's tail happened, and what the machine did then: the `--window-ms` (250)
// windows of send time holding the most frames at or over the run's p99, largest first, each with
// the CPU timeline's rows from 500 ms before it to 500 ms after (groups that used or waited 5 ms
// or more, as `group cpu/wait`), beside the run's mean.
//
//   node loadtest/tools/tail-bursts.mjs DUMP TIMELINE [--windows 3] [--window-ms 250]
// DUMP: `cluster-probe.ts --dump` (a `# first request sent at <ms>` line, a header, then per frame
// atMs, ack, recv, ts). TIMELINE: `cpu-timeline.mjs` (the probe's `--timeline`).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';

/** A probe dump → { startedAt (ms since the epoch), frames: [{ atMs, ack, recv }] }. */
export function parseDump(text) {
  const lines = text.split('\n');
  const started = /^# first request sent at (\d+)/.exec(lines[0] ?? '');
  if (!started) throw new Error('not a cluster-probe dump: the first line should say when the first request was sent');
  const frames = [];
  for (const line of lines.slice(2)) {
    const [atMs, ack, recv] = line.split('\t').map(Number);
    if (Number.isFinite(atMs) && Number.isFinite(recv)) frames.push({ atMs, ack, recv });
  }
  return { startedAt: Number(started[1]), frames };
}

/** A CPU timeline → { columns, rows: [{ t, values: number[] }] } (values in the columns' order). */
export function parseTimeline(text) {
  const [head, ...lines] = text.trim().split('\n');
  const [, ...columns] = head.split('\t');
  const rows = lines.map((line) => {
    const [t, ...values] = line.split('\t').map(Number);
    return { t, values };
  });
  return { columns, rows };
}

/** The frames' p99 receive time, and the windows of send time holding the most frames at or over it, largest first. */
export function tailWindows(frames, { windowMs = 250, count = 3 } = {}) {
  const sorted = frames.map((f) => f.recv).sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
  const inWindow = new Map();
  let tail = 0;
  for (const f of frames) {
    if (f.recv < p99) continue;
    tail += 1;
    const w = Math.floor(f.atMs / windowMs);
    inWindow.set(w, (inWindow.get(w) ?? 0) + 1);
  }
  const windows = [...inWindow]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, count)
    .map(([w, n]) => ({ fromMs: w * windowMs, toMs: (w + 1) * windowMs, tailFrames: n, share: n / tail }));
  return { p99, tailFrames: tail, windows };
}

/**
 * One timeline row as text: the machine's idle, iowait and steal when 5 ms or more, then each group
 * that used or waited 5 ms or more as `group cpu/wait` (ms in the row's interval).
 */
export function describeRow(columns, values) {
  const parts = [];
  const groups = new Map();
  columns.forEach((column, i) => {
    const v = Math.round(values[i] ?? 0);
    const m = /^(.*)\.(cpuMs|waitMs)$/.exec(column);
    if (!m) {
      if (v >= 5) parts.push(`${column.replace(/Ms$/, '')} ${v}`);
      return;
    }
    const pair = groups.get(m[1]) ?? [0, 0];
    pair[m[2] === 'cpuMs' ? 0 : 1] = v;
    groups.set(m[1], pair);
  });
  for (const [group, [cpu, wait]] of groups) if (cpu >= 5 || wait >= 5) parts.push(`${group} ${cpu}/${wait}`);
  return parts.join('  ');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const [dumpFile, timelineFile] = args._;
  if (!dumpFile || !timelineFile) {
    console.error('usage: node loadtest/tools/tail-bursts.mjs DUMP TIMELINE [--windows 3] [--window-ms 250]');
    process.exit(2);
  }
  const { startedAt, frames } = parseDump(readFileSync(dumpFile, 'utf8'));
  const { columns, rows } = parseTimeline(readFileSync(timelineFile, 'utf8'));
  const windowMs = Number(args['window-ms'] ?? 250);
  const { p99, tailFrames, windows } = tailWindows(frames, { windowMs, count: Number(args.windows ?? 3) });
  const lastSent = startedAt + (frames.at(-1)?.atMs ?? 0);
  const measured = rows.filter((r) => r.t >= startedAt && r.t <= lastSent + 500);
  const mean = columns.map((_, i) => measured.reduce((sum, r) => sum + r.values[i], 0) / Math.max(1, measured.length));
  const shown = (values) => describeRow(columns, values);
  console.log(`${frames.length} frames, p99 ${p99} ms, ${tailFrames} frames at or over it`);
  console.log(`per timeline row, as 'group cpu/wait' in ms (run-queue wait summed over threads); the run's mean:\n         ${shown(mean)}`);
  for (const w of windows) {
    const inIt = frames.filter((f) => f.atMs >= w.fromMs && f.atMs < w.toMs);
    console.log(`\nsent ${w.fromMs}–${w.toMs} ms: ${w.tailFrames} frames at or over p99 (${Math.round(100 * w.share)} % of them); ack up to ${Math.max(...inIt.map((f) => f.ack))} ms, receive up to ${Math.max(...inIt.map((f) => f.recv))} ms`);
    const from = startedAt + w.fromMs;
    for (const r of rows) {
      if (r.t < from - 500 || r.t > from + windowMs + 500) continue;
      console.log(`  ${String(r.t - from).padStart(5)} ms  ${shown(r.values)}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
