#!/usr/bin/env node
// CPU timeline: every `--interval-ms` (100), how much CPU each group of processes used and how long
// their threads waited for a CPU (run-queue wait), from /proc/<pid>/task/<tid>/schedstat (ns), and
// what the machine did meanwhile (idle, iowait, steal). Beside a latency benchmark it says which
// process took the machine when a tail happened: on 2 cores every burst of one process is a wait
// for all the others. `tail-bursts.mjs` lines a probe's `--dump` up with it.
//
//   node loadtest/tools/cpu-timeline.mjs OUT.tsv [--interval-ms 100]     (until SIGTERM/SIGINT)
// Also usable as a module: startCpuTimeline({ file, intervalMs }) → { stop(): Promise<void> }.
//
// Processes are grouped by their command line (PROCESS_GROUPS: Parley's roles, the benchmark's own
// processes, Kafka, PostgreSQL, ClickHouse; anything else is not sampled). A JVM's JIT compiler and
// garbage-collector threads are columns of their own (`kafka:jit`, `kafka:gc`): a young broker
// compiles for minutes, a core at a time. Processes are looked for once a second; a thread's first
// sample counts its CPU since it started, so a process that starts between two looks is counted
// whole in the sample after.

import { readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { startSideProcess } from '../lib/side-process.mjs';

/** [group, test on the command line (NULs as spaces)], first match wins. */
export const PROCESS_GROUPS = [
  ['api', (cmd) => cmd.includes('apps/api/src/cluster.ts')],
  ['fanout', (cmd) => cmd.includes('apps/fanout/src/main.ts')],
  ['relay', (cmd) => cmd.includes('apps/relay/src/main.ts')],
  ['projector', (cmd) => cmd.includes('apps/projector/src/main.ts')],
  ['embedded', (cmd) => cmd.includes('apps/parley/src/main.ts')],
  ['clients', (cmd) => cmd.includes('latency-viewers') || cmd.includes('loadtest/clients/')],
  ['load', (cmd) => /cluster-(probe|bench|wrk)\.ts|loadtest\/bench\.mjs|\bwrk\b/.test(cmd)],
  ['kafka', (cmd) => cmd.includes('kafka.Kafka')],
  ['postgres', (cmd) => cmd.startsWith('postgres:') || /\/postgres\s/.test(cmd)],
  ['clickhouse', (cmd) => cmd.startsWith('clickhouse')],
];

/** The group of a process by its command line, or null when it is not one to sample. */
export function groupOf(cmdline) {
  for (const [group, test] of PROCESS_GROUPS) if (test(cmdline)) return group;
  return null;
}

/** A thread's column: its process's group, or `group:jit` / `group:gc` for a JVM's compiler and collector threads. */
export function threadColumn(group, threadName) {
  if (/^C[12] CompilerThre/.test(threadName)) return `${group}:jit`;
  if (/^(GC Thread|G1 )/.test(threadName)) return `${group}:gc`;
  return group;
}

/** `/proc/.../schedstat` → [ns on a CPU, ns waiting for one]. */
export function parseSchedstat(text) {
  const [run, wait] = text.trim().split(/\s+/);
  return [Number(run), Number(wait)];
}

/** The first line of /proc/stat → { idle, iowait, steal } in ms (USER_HZ = 100). */
export function parseCpuLine(text) {
  const fields = text.split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3] * 10, iowait: fields[4] * 10, steal: (fields[7] ?? 0) * 10 };
}

const read = (path) => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
};

/** Samples into `file` every `intervalMs` until stop(); returns the sampler, not a process. */
function sampleInto(file, intervalMs) {
  const groups = new Map(); // pid → group
  const threads = new Map(); // pid/tid → [run, wait] at the last sample
  const threadColumns = new Map(); // pid/tid → its column (a thread's name is read once)
  const columns = [];
  const findProcesses = () => {
    groups.clear();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const cmd = read(`/proc/${pid}/cmdline`);
      const group = cmd && groupOf(cmd.replaceAll('\0', ' ').trim());
      if (group) groups.set(pid, group);
    }
  };
  let first = true;
  const sample = () => {
    const totals = new Map();
    for (const [pid, group] of groups) {
      let tids;
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue; // exited
      }
      for (const tid of tids) {
        const stat = read(`/proc/${pid}/task/${tid}/schedstat`);
        if (!stat) continue;
        const now = parseSchedstat(stat);
        const key = `${pid}/${tid}`;
        const before = threads.get(key) ?? (first ? now : [0, 0]);
        threads.set(key, now);
        let column = threadColumns.get(key);
        if (column === undefined) {
          column = threadColumn(group, group === 'kafka' ? (read(`/proc/${pid}/task/${tid}/comm`) ?? '') : '');
          threadColumns.set(key, column);
        }
        if (!columns.includes(column)) columns.push(column);
        const sum = totals.get(column) ?? [0, 0];
        sum[0] += now[0] - before[0];
        sum[1] += now[1] - before[1];
        totals.set(column, sum);
      }
    }
    first = false;
    return { t: Date.now(), machine: parseCpuLine(readFileSync('/proc/stat', 'latin1')), totals };
  };
  findProcesses();
  let previous = sample();
  let lookedAt = Date.now();
  const rows = [];
  const timer = setInterval(() => {
    if (Date.now() - lookedAt >= 1000) {
      findProcesses();
      lookedAt = Date.now();
    }
    const next = sample();
    const ms = (ns) => Math.round(ns / 1e6);
    rows.push({
      t: next.t,
      idle: next.machine.idle - previous.machine.idle,
      iowait: next.machine.iowait - previous.machine.iowait,
      steal: next.machine.steal - previous.machine.steal,
      groups: new Map([...next.totals].map(([c, [run, wait]]) => [c, [ms(run), ms(wait)]])),
    });
    previous = next;
  }, intervalMs);
  return () => {
    clearInterval(timer);
    const header = ['t', 'idleMs', 'iowaitMs', 'stealMs', ...columns.flatMap((c) => [`${c}.cpuMs`, `${c}.waitMs`])];
    const lines = rows.map((r) => [r.t, r.idle, r.iowait, r.steal, ...columns.flatMap((c) => r.groups.get(c) ?? [0, 0])].join('\t'));
    writeFileSync(file, header.join('\t') + '\n');
    if (lines.length) appendFileSync(file, lines.join('\n') + '\n');
  };
}

/** Starts the timeline in its own process (its sampling is not charged to the caller's event loop); `stop()` writes the file. */
export async function startCpuTimeline({ file, intervalMs = 100 }) {
  const timeline = await startSideProcess('cpu timeline', fileURLToPath(import.meta.url), [file, '--interval-ms', String(intervalMs)]);
  return {
    async stop() {
      await timeline.stop();
    },
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const file = args._?.[0];
  if (!file) {
    console.error('usage: node loadtest/tools/cpu-timeline.mjs OUT.tsv [--interval-ms 100]');
    process.exit(2);
  }
  const stop = sampleInto(file, Number(args['interval-ms'] ?? 100));
  const finish = () => {
    stop();
    console.log(JSON.stringify({ event: 'written', file }));
    process.exit(0);
  };
  process.once('SIGTERM', finish);
  process.once('SIGINT', finish);
  console.log(JSON.stringify({ event: 'ready' }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
