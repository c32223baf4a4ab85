// Writes a scenario's results into docs/benchmarks.md (between generated markers, so the
// hand-written sections around them stay) and its charts into docs/bench/.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { barChart, lineChart } from './charts.mjs';
import { describeDiskStalls } from '../clients/disk-stalls.mjs';
import { chatFrameText, peerRoomName } from './chat-frame.mjs';

const fmt = (n) => (n == null ? '—' : Number(n).toLocaleString('en-US'));
const pct = (n) => (n == null ? '—' : `${n}%`);

function machineLine(result) {
  const m = result.machine;
  return (
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}; ` +
    `load average at start ${m.loadAverageAtStart.join(' / ')} (the machine is shared: other work may run at the same time). ` +
    'Parley runs with its rate limits raised (all load comes from one host; the limits would be what is measured).'
  );
}

/** What the cluster rows' CPU and undelivered columns mean (empty without cluster rows). */
function clusterNote(rows) {
  if (rows.length === 0) return '';
  const closed = rows.reduce((n, r) => n + (r.closedDuringRun ?? 0), 0);
  return (
    ' Parley (cluster): its server CPU is that of its api node, relay and fan-out nodes, not of PostgreSQL and Kafka. ' +
    'Its ingress answers once PostgreSQL has the append, and Kafka sits between it and the fan-out nodes, so its publisher can offer more than the nodes send; ' +
    `its deliveries/s are what the fan-out nodes sent, and its undelivered share is what was still waiting in Kafka${closed === 0 ? ' (no subscriber was closed in these runs)' : `, or lost with the ${closed} subscribers closed during the runs`}.`
  );
}

function networkThreadNote(rows) {
  if (rows.length === 0) return '';
  return (
    ' Parley (embedded, /ws on its network thread): the same server started with `PARLEY_REALTIME_PORT`, its viewers on that port; ' +
    'a second thread holds their sockets and does the sending while the main thread takes the ingress. Its writers wait while the ' +
    'relay is more than 1,000 events behind the last append, so the publisher cannot outrun the sending by more than that: its ' +
    'undelivered share is what was still in the log when the count was taken (at 1 × 10,000, 1,000 events are 10 million deliveries: seconds of sending), not drops.'
  );
}

/** Medians over the rounds of a `--rounds N` run, then (below it) every run. */
function roundsSummary(result) {
  const range = (s, format) => (s ? `${format(s.median)} (${format(s.min)} – ${format(s.max)})` : '—');
  const lines = [
    `${result.settings.rounds} rounds; in each, every target ran once, in the order below, and its ratio is taken against bare uWS of the same round.`,
    '',
    '| shape (rooms × subscribers) | target | deliveries/s: median (min – max) | ratio to bare uWS: median (min – max) | ratio in each round | failed rounds |',
    '|---|---|---:|---:|---|---:|',
  ];
  for (const s of result.summary) {
    const ratios = s.ratioToBare ? s.ratioToBare.values.join(', ') : '—';
    lines.push(`| ${s.shape.replace('x', ' × ')} | ${s.label} | ${range(s.deliveriesPerSecond, fmt)} | ${range(s.ratioToBare, String)} | ${ratios} | ${s.failed} |`);
  }
  lines.push('', 'Every run:', '');
  return lines;
}

function fanoutSection(result) {
  const rounds = result.settings.rounds ?? 1;
  const lines = [
    `Command: \`${result.command}\` · date ${result.date} · ${result.settings.duration} s measured after ${result.settings.warmup} s warm-up per run.`,
    '',
    machineLine(result),
    '',
    ...(rounds > 1 && result.summary ? roundsSummary(result) : []),
    `| ${rounds > 1 ? 'round | ' : ''}shape (rooms × subscribers) | target | deliveries/s | ratio to bare uWS | server CPU | client CPU (per process) | undelivered | load avg (1 min) | publisher | measured by |`,
    `|${rounds > 1 ? '---:|' : ''}---|---|---:|---:|---:|---:|---:|---:|---|---|`,
  ];
  for (const r of result.rows) {
    const round = rounds > 1 ? `${r.round} | ` : '';
    if (r.error) {
      lines.push(`| ${round}${r.shape.replace('x', ' × ')} | ${r.label} | failed: ${r.error.split('\n')[0]} | | | | | | | |`);
      continue;
    }
    const limited = r.publisherStatuses?.['429'] > 0 ? ` (publisher got ${fmt(r.publisherStatuses['429'])} × 429)` : '';
    lines.push(
      `| ${round}${r.shape.replace('x', ' × ')} | ${r.label} | ${fmt(r.deliveriesPerSecond)}${limited} | ${r.ratioToBare ?? '—'} | ${pct(r.serverCpuPercent)} | ` +
        `${pct(r.clientCpuPercent)} (${r.clientCpuPerProcess.map((c) => `${c}%`).join(', ')}) | ${pct(r.lossPercent)} | ${r.loadAverage?.[0] ?? '—'} | ${r.publisher} | ${r.client} |`,
    );
  }
  lines.push(
    '',
    'CPU is % of one core (the machine has 2). Undelivered = 1 − received / (published × subscribers per room), ' +
      'counted 1.5 s after publishing stopped: frames dropped for lagging subscribers or still queued in the server. ' +
      'Bare uWS: maxBackpressure 1 MiB, its publisher backs off while a room\'s probe subscriber has > 256 KiB buffered. ' +
      `Every target sends the same chat frame, ${Buffer.byteLength(chatFrameText(peerRoomName(0), 1, Date.now()))} bytes: the one Parley sends for the publisher's message (lib/chat-frame.mjs; test/chat-frame.test.mjs compares them).` +
      clusterNote(result.rows.filter((r) => r.target === 'parley-cluster' && !r.error)) +
      networkThreadNote(result.rows.filter((r) => r.target === 'parley-thread' && !r.error)),
    '',
    '![fan-out deliveries/s](bench/fanout.png)',
  );
  return lines.join('\n');
}

function connectionsSection(result) {
  const lines = [
    `Command: \`${result.command}\` · date ${result.date}.`,
    '',
    machineLine(result),
    '',
    '| target | connections open | failed | source addresses | client processes | server processes | time to connect | server VmRSS before → after | memory per connection | measured by |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---|',
  ];
  for (const r of result.rows) {
    if (r.error) {
      lines.push(`| ${r.label} | failed: ${r.error.split('\n')[0]} | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.label} | ${fmt(r.openAfterSettle)} | ${fmt(r.failed)} | ${r.sourceAddresses} | ${r.clientProcesses} | ${r.serverProcesses ?? 1} | ${r.connectSeconds} s | ` +
        `${r.serverRssBeforeMiB} → ${r.serverRssAfterMiB} MiB | ${fmt(r.bytesPerConnection)} B (${(r.bytesPerConnection / 1024).toFixed(2)} KiB) | ${r.client} |`,
    );
  }
  lines.push(
    '',
    'Memory per connection = (VmRSS after − VmRSS before) / open connections, VmRSS from /proc/<pid>/status summed over the ' +
      'server processes, read 3 s after the last connection was up. One process can hold at most 20,000 descriptors here ' +
      '(hard RLIMIT_NOFILE, not raisable: no CAP_SYS_RESOURCE), so the bare uWS peer runs as several processes sharing the ' +
      'port with SO_REUSEPORT (each process costs ~46 MiB of baseline RSS, excluded by the before/after difference).',
  );
  return lines.join('\n');
}

function latencySection(result) {
  const lines = [
    `Command: \`${result.command}\` · date ${result.date} · ${result.settings.duration} s per rate after ${result.settings.warmup} s warm-up.`,
    '',
    machineLine(result),
    '',
    '| target | offered msgs/s | achieved msgs/s | frames measured | p50 ms | p90 ms | p99 ms | max ms | the disk meanwhile | measured by |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of result.rows) {
    if (r.error) {
      lines.push(`| ${r.label} | failed: ${r.error.split('\n')[0]} | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${r.label} | ${fmt(r.offeredRate)} | ${fmt(r.achievedRate)} | ${fmt(r.count)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.diskStalls ? describeDiskStalls(r.diskStalls) : '–'} | ${r.client} |`,
    );
  }
  lines.push(
    '',
    'Latency = receive time − `meta.sentAt` set by the publisher just before the HTTP request (same clock, loopback). ' +
      'The publisher sends one HTTP request per message (open loop, ≤ 256 in flight); where the achieved rate falls short of the ' +
      'offered one, the publisher or the machine is saturated and the higher percentiles measure queueing in the load generator ' +
      'as much as the target. The disk meanwhile: a separate process fdatasyncs 4 KiB every 10 ms on the disk under the data ' +
      'dirs (`clients/disk-stalls.mjs`); every durable append that arrives during a stall waits for it, so a run with stalls ' +
      'has a tail the software did not make.',
    '',
    '![latency vs load](bench/latency.png)',
  );
  return lines.join('\n');
}

function artillerySection(result) {
  const lines = [`Command: \`${result.command}\` · date ${result.date}.`, '', machineLine(result), '', '| scenario | target | requests | errors | p50 ms | p99 ms | ensure |', '|---|---|---:|---:|---:|---:|---|'];
  for (const r of result.rows) {
    lines.push(`| ${r.scenario} | ${r.target} | ${fmt(r.requests)} | ${fmt(r.errors)} | ${r.p50 ?? '—'} | ${r.p99 ?? '—'} | ${r.ensure ?? '—'} |`);
  }
  for (const s of result.skipped ?? []) lines.push('', `Skipped: ${s}`);
  return lines.join('\n');
}

const SECTIONS = {
  fanout: { title: 'Fan-out ceilings (generated)', render: fanoutSection },
  connections: { title: 'Connection scale (generated)', render: connectionsSection },
  latency: { title: 'End-to-end latency (generated)', render: latencySection },
  artillery: { title: 'Artillery scenarios (generated)', render: artillerySection },
};

/** Replace (or append) the scenario's generated block in docs/benchmarks.md. */
export function writeReport(result, { repo }) {
  const section = SECTIONS[result.scenario];
  if (!section) return;
  const docs = path.join(repo, 'docs');
  mkdirSync(path.join(docs, 'bench'), { recursive: true });
  const file = path.join(docs, 'benchmarks.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = `<!-- bench:${result.scenario}:start -->`;
  const end = `<!-- bench:${result.scenario}:end -->`;
  const block = `${start}\n## ${section.title}\n\n${section.render(result)}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from !== -1 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  writeCharts(result, path.join(docs, 'bench'));
}

function writeCharts(result, dir) {
  if (result.scenario === 'fanout') {
    // Over several rounds, each bar is a target's median.
    const ok = result.summary
      ? result.summary.filter((s) => s.deliveriesPerSecond).map((s) => ({ shape: s.shape, label: s.label, deliveriesPerSecond: s.deliveriesPerSecond.median }))
      : result.rows.filter((r) => !r.error);
    const series = [...new Set(result.rows.map((r) => r.label))];
    const shapes = [...new Set(result.rows.map((r) => r.shape))];
    const png = barChart({
      title: result.summary ? `Fan-out: deliveries per second (median of ${result.settings.rounds} rounds)` : 'Fan-out: deliveries per second',
      yLabel: 'deliveries/s',
      series,
      groups: shapes.map((shape) => ({
        label: `${shape.replace('x', ' rooms x ')} subscribers`,
        values: series.map((label) => ok.find((r) => r.shape === shape && r.label === label)?.deliveriesPerSecond ?? null),
      })),
    });
    writeFileSync(path.join(dir, 'fanout.png'), png);
  } else if (result.scenario === 'latency') {
    const ok = result.rows.filter((r) => !r.error && r.count > 0);
    const series = [];
    for (const label of new Set(ok.map((r) => r.label))) {
      const rows = ok.filter((r) => r.label === label);
      series.push({ name: `${label} p50`, points: rows.map((r) => [r.achievedRate, r.p50]) });
      series.push({ name: `${label} p99`, points: rows.map((r) => [r.achievedRate, r.p99]) });
    }
    const png = lineChart({ title: 'Publish to WebSocket latency vs load', xLabel: 'messages/s published', yLabel: 'ms', series });
    writeFileSync(path.join(dir, 'latency.png'), png);
  }
}
