// Unit tests of the CPU timeline and the tail-burst finder: node --test loadtest/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupOf, parseCpuLine, parseSchedstat, startCpuTimeline, threadColumn } from '../tools/cpu-timeline.mjs';
import { describeRow, parseDump, parseTimeline, tailWindows } from '../tools/tail-bursts.mjs';

test('groupOf: Parley roles, the engines and the load tools by command line; anything else is not sampled', () => {
  assert.equal(groupOf('/usr/bin/node --max-semi-space-size=4 --import tsx /w/apps/api/src/cluster.ts'), 'api');
  assert.equal(groupOf('/usr/bin/node --import tsx /w/apps/fanout/src/main.ts'), 'fanout');
  assert.equal(groupOf('/usr/bin/node --import tsx /w/apps/relay/src/main.ts'), 'relay');
  assert.equal(groupOf('/usr/bin/node --import tsx /w/apps/projector/src/main.ts'), 'projector');
  assert.equal(groupOf('node --import tsx apps/api/src/faults/cluster-probe.ts --rate 2500'), 'load');
  assert.equal(groupOf('/usr/bin/node /w/loadtest/clients/disk-stalls.mjs --dir /tmp'), 'clients');
  assert.equal(groupOf('java -Xmx512m -cp /x/libs/* kafka.Kafka /x/server.properties'), 'kafka');
  assert.equal(groupOf('postgres: parley parley 127.0.0.1(4242) idle'), 'postgres');
  assert.equal(groupOf('/usr/lib/postgresql/15/bin/postgres -D /data -p 25432'), 'postgres');
  assert.equal(groupOf('clickhouse-server --config-file=/x/config.xml'), 'clickhouse');
  assert.equal(groupOf('/usr/bin/bash -c make'), null);
});

test('threadColumn: a JVM compiler or collector thread is a column of its own', () => {
  assert.equal(threadColumn('kafka', 'C2 CompilerThre'), 'kafka:jit');
  assert.equal(threadColumn('kafka', 'C1 CompilerThre'), 'kafka:jit');
  assert.equal(threadColumn('kafka', 'GC Thread#1'), 'kafka:gc');
  assert.equal(threadColumn('kafka', 'G1 Conc#0'), 'kafka:gc');
  assert.equal(threadColumn('kafka', 'data-plane-kafk'), 'kafka');
});

test('parseSchedstat and parseCpuLine read the kernel\'s counters', () => {
  assert.deepEqual(parseSchedstat('123456789 2000000 42\n'), [123456789, 2000000]);
  assert.deepEqual(parseCpuLine('cpu  3796612 0 1038572 5089345 51471 0 414578 59123 0 0\ncpu0 1 2 3'), { idle: 50893450, iowait: 514710, steal: 591230 });
});

test('startCpuTimeline: samples a busy process every interval and writes its CPU per row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-timeline-'));
  // A busy process the timeline groups as `load` (its command line names cluster-probe.ts).
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}', 'cluster-probe.ts']);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const file = join(dir, 'timeline.tsv');
    const timeline = await startCpuTimeline({ file, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 1200));
    await timeline.stop();
    const { columns, rows } = parseTimeline(readFileSync(file, 'utf8'));
    assert.deepEqual(columns.slice(0, 3), ['idleMs', 'iowaitMs', 'stealMs']);
    const cpu = columns.indexOf('load.cpuMs');
    assert.ok(cpu >= 0, `a load column: ${columns.join(',')}`);
    assert.ok(rows.length >= 10, `${rows.length} rows in 1.2 s at 50 ms`);
    assert.ok(rows.every((r, i) => i === 0 || r.t > rows[i - 1].t), 'rows in time order');
    const used = rows.reduce((sum, r) => sum + r.values[cpu], 0);
    const span = rows.at(-1).t - rows[0].t + 50;
    // One busy thread: up to a core (a loaded machine gives it less), never more than the wall time.
    assert.ok(used > 0.2 * span && used <= span * 1.1, `${used} ms of CPU over ${span} ms`);
  } finally {
    busy.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseDump and tailWindows: the windows of send time holding most of the frames over p99', () => {
  const lines = ['# first request sent at 1700000000000 (ms since the epoch)', 'atMs\tack\trecv\tts'];
  // Every 10 ms a frame received in 10 ms, but 12 sent 5,000–5,110 ms in (200 ms) and one at 9,000 (150 ms).
  for (let i = 0; i < 1000; i++) lines.push(`${i * 10}\t5\t${i >= 500 && i < 512 ? 200 : i === 900 ? 150 : 10}\t3`);
  const dump = parseDump(lines.join('\n') + '\n');
  assert.equal(dump.startedAt, 1_700_000_000_000);
  assert.equal(dump.frames.length, 1000);
  const { p99, tailFrames, windows } = tailWindows(dump.frames, { windowMs: 250, count: 2 });
  assert.equal(p99, 200);
  assert.equal(tailFrames, 12);
  assert.deepEqual(windows, [{ fromMs: 5000, toMs: 5250, tailFrames: 12, share: 1 }]);
  // Two bursts: the larger window comes first, and shares count the frames at or over p99.
  const two = dump.frames.map((f, i) => ({ ...f, recv: (i >= 500 && i < 506) || (i >= 900 && i < 904) ? 200 : 10 }));
  const bursts = tailWindows(two, { windowMs: 250, count: 3 });
  assert.equal(bursts.p99, 200);
  assert.deepEqual(bursts.windows.map((w) => [w.fromMs, w.tailFrames, w.share]), [[5000, 6, 0.6], [9000, 4, 0.4]]);
  assert.throws(() => parseDump('atMs\tack\trecv\tts\n1\t2\t3\t4\n'), /first line/);
});

test('describeRow: the machine, then each group as cpu/wait; rows under 5 ms left out', () => {
  const columns = ['idleMs', 'iowaitMs', 'stealMs', 'api.cpuMs', 'api.waitMs', 'kafka:jit.cpuMs', 'kafka:jit.waitMs', 'relay.cpuMs', 'relay.waitMs'];
  assert.equal(describeRow(columns, [12, 0, 4, 55, 361, 98, 3, 2, 1]), 'idle 12  api 55/361  kafka:jit 98/3');
});
