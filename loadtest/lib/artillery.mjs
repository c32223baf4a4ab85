// Runs the Artillery scenarios in loadtest/scenarios/ against started targets and reads their
// JSON reports. Smoke runs shorten every phase to 10 s and judge error counts only.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget } from './targets.mjs';

const LOADTEST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SCENARIOS = path.join(LOADTEST, 'scenarios');
const ARTILLERY = path.join(LOADTEST, 'node_modules', 'artillery', 'bin', 'run');

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: SCENARIOS,
      env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out = (out + c).slice(-50_000)));
    child.stderr.on('data', (c) => (out = (out + c).slice(-50_000)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Run one YAML scenario; returns counts read from its JSON report. */
export async function runArtillery(file, { target, phases, env = {} }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-artillery-'));
  const output = path.join(dir, 'report.json');
  const args = [ARTILLERY, 'run', file, '--target', target, '--output', output];
  if (phases) args.push('--overrides', JSON.stringify({ config: { phases } }));
  const { code, out } = await run(process.execPath, args, env);
  try {
    const report = JSON.parse(readFileSync(output, 'utf8'));
    const counters = report.aggregate?.counters ?? {};
    const summaries = report.aggregate?.summaries ?? {};
    const errors = Object.entries(counters)
      .filter(([k]) => k.startsWith('errors.'))
      .reduce((s, [, v]) => s + v, 0);
    const timing = summaries['http.response_time'] ?? summaries['vusers.session_length'];
    return {
      scenario: path.basename(file, '.yml'),
      exitCode: code,
      ensure: code === 0 ? 'passed' : 'failed',
      requests: counters['http.requests'] ?? counters['websocket.messages_sent'] ?? 0,
      vusers: counters['vusers.created'] ?? 0,
      failedVusers: counters['vusers.failed'] ?? 0,
      errors,
      p50: timing?.median ?? null,
      p99: timing?.p99 ?? null,
      counters,
    };
  } catch {
    return { scenario: path.basename(file, '.yml'), exitCode: code, ensure: 'no report', errors: 1, failedVusers: 0, output: out.slice(-3000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function judge(row, smoke, errors) {
  const name = `${row.scenario} on ${row.target}`;
  if (row.ensure === 'no report') errors.push(`${name}: Artillery produced no report\n${row.output}`);
  else if (row.failedVusers > 0 || row.errors > 0) errors.push(`${name}: ${row.failedVusers} failed virtual users, ${row.errors} errors`);
  else if (!smoke && row.exitCode !== 0) errors.push(`${name}: ensure thresholds failed`);
  if (!(row.vusers > 0)) errors.push(`${name}: no virtual user ran`);
}

export async function runArtillerySuite({ smoke, parleyHere, requireParley }) {
  const rows = [];
  const errors = [];
  const skipped = [];
  const smokePhases = (rate) => (smoke ? [{ duration: 10, arrivalRate: rate }] : undefined);

  // ws-subscribers against the bare uWS peer: proves the ws engine scenario itself works.
  const bare = await startTarget('bare');
  try {
    const row = await runArtillery('ws-subscribers.yml', { target: bare.wsUrl, phases: smokePhases(10), env: { PARLEY_WS_ROOMS: 'room-0' } });
    row.target = 'bare uWS';
    rows.push(row);
    judge(row, smoke, errors);
  } finally {
    await bare.stop();
  }

  if (!parleyHere) {
    const why = 'Parley server not startable here (npm start has nothing to run yet): rest-mix, ingress-flood, ws-subscribers and e2e-latency against Parley not run';
    if (requireParley) errors.push(why);
    else skipped.push(why);
    return { rows, errors, skipped };
  }

  const parley = await startTarget('parley');
  try {
    const ownerToken = parley.mintOwnerToken();
    for (const [file, rate] of [
      ['rest-mix.yml', 5],
      ['ingress-flood.yml', 5],
    ]) {
      const row = await runArtillery(file, { target: parley.httpUrl, phases: smokePhases(rate), env: { PARLEY_OWNER_TOKEN: ownerToken } });
      row.target = 'Parley';
      rows.push(row);
      judge(row, smoke, errors);
    }
    const { roomNames } = await parley.setupRooms(2, 100);
    const ws = await runArtillery('ws-subscribers.yml', { target: parley.wsUrl, phases: smokePhases(10), env: { PARLEY_WS_ROOMS: roomNames.join(',') } });
    ws.target = 'Parley';
    rows.push(ws);
    judge(ws, smoke, errors);
    const latency = await run(process.execPath, [
      path.join(SCENARIOS, 'e2e-latency.mjs'),
      '--target',
      parley.httpUrl,
      '--rate',
      smoke ? '20' : '4000',
      '--duration',
      smoke ? '10' : '30',
      ...(smoke ? ['--no-latency-thresholds'] : []),
    ]);
    const summary = latency.out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    const parsed = summary ? JSON.parse(summary) : {};
    rows.push({ scenario: 'e2e-latency', target: 'Parley', requests: parsed.sent ?? null, errors: latency.code === 0 ? 0 : 1, p50: parsed.p50 ?? null, p99: parsed.p99 ?? null, ensure: latency.code === 0 ? 'passed' : 'failed' });
    if (latency.code !== 0) errors.push(`e2e-latency on Parley: exit ${latency.code}\n${latency.out.slice(-2000)}`);
  } finally {
    await parley.stop();
  }
  return { rows, errors, skipped };
}
