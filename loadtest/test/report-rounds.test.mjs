import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pairRatiosWithBare, summarizeRounds } from '../lib/fanout-rounds.mjs';
import { writeReport } from '../lib/report.mjs';

const run = (round, target, label, deliveriesPerSecond) => ({
  round,
  shape: '100x100',
  target,
  label,
  deliveriesPerSecond,
  serverCpuPercent: 95,
  clientCpuPercent: 90,
  clientCpuPerProcess: [45, 45],
  lossPercent: 0,
  loadAverage: [1.5],
  publisher: 'HTTP publisher process',
  client: 'frame-counter',
});

test('a run of several rounds is reported with its medians first, then every run with its round', () => {
  const rows = pairRatiosWithBare([
    run(1, 'parley', 'Parley (embedded)', 1_000_000),
    run(1, 'bare', 'bare uWS', 2_000_000),
    run(2, 'parley', 'Parley (embedded)', 1_300_000),
    run(2, 'bare', 'bare uWS', 2_000_000),
    run(3, 'parley', 'Parley (embedded)', 1_200_000),
    run(3, 'bare', 'bare uWS', 1_500_000),
  ]);
  const result = {
    scenario: 'fanout',
    date: '2026-11-27T15:00:00.000Z',
    command: 'npm run bench -- --scenario fanout --rounds 3',
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v20', kernel: 'k', loadAverageAtStart: [0, 0, 0] },
    settings: { duration: 15, warmup: 3, rounds: 3, shapes: [{ rooms: 100, perRoom: 100 }] },
    rows,
    summary: summarizeRounds(rows),
  };
  const repo = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
  try {
    writeReport(result, { repo });
    const text = readFileSync(path.join(repo, 'docs', 'benchmarks.md'), 'utf8');
    assert.match(text, /3 rounds; in each, every target ran once/);
    assert.match(text, /\| 100 × 100 \| Parley \(embedded\) \| 1,200,000 \(1,000,000 – 1,300,000\) \| 0\.65 \(0\.5 – 0\.8\) \| 0\.5, 0\.65, 0\.8 \| 0 \|/);
    assert.match(text, /\| 2 \| 100 × 100 \| Parley \(embedded\) \| 1,300,000 \| 0\.65 \|/);
    assert.match(text, /\| 3 \| 100 × 100 \| Parley \(embedded\) \| 1,200,000 \| 0\.8 \|/);
    assert.ok(existsSync(path.join(repo, 'docs', 'bench', 'fanout.png')));
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
