#!/usr/bin/env node
// `npm test`: the whole suite on a fresh machine. Installs what is missing, typechecks, checks
// module boundaries, runs every vitest spec (unit, integration against real services started by
// scripts/services, e2e against started servers), runs the load-test smoke when asked, and ends
// with one summary line: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const step = (name, cmd, cmdArgs, env = {}) => {
  console.log(`\n=== ${name}: ${cmd} ${cmdArgs.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.status === 0;
};

await import('./ensure-installed.mjs');

const bin = (name) => join(root, 'node_modules/.bin', name);
let ok = step('typecheck', bin('tsc'), ['-b']);
ok = step('module boundaries', process.execPath, [join(root, 'scripts/check-boundaries.mjs')]) && ok;

mkdirSync(join(root, 'test-results'), { recursive: true });
// Two vitest passes, each with its own JSON report, both counted in the summary line: every spec
// (the e2e specs on the embedded profile), then the e2e specs again on the cluster profile's
// engines (PostgreSQL store, Kafka bus; vitest.cluster.config.ts says which files and why).
const reports = [join(root, 'test-results/vitest.json'), join(root, 'test-results/vitest-cluster.json')];
for (const report of reports) rmSync(report, { force: true });
const vitestOk = step('vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reports[0]}`, ...args]);
const clusterOk = step('vitest (e2e on the cluster profile)', bin('vitest'), ['run', '--config', 'vitest.cluster.config.ts', '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${reports[1]}`, ...args]);
ok = vitestOk && clusterOk && ok;

// The load-test package: its own unit tests (node:test) and a 10-second smoke of every scenario,
// which checks error rates only, never speed. Skipped (and said so) when vitest was given filters.
let extraPassed = 0;
let extraFailed = 0;
if (args.length === 0) {
  const nodeTests = spawnSync(process.execPath, ['--test', join(root, 'loadtest/test/')], { cwd: root, encoding: 'utf8' });
  process.stdout.write(nodeTests.stdout);
  const count = (label) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(nodeTests.stdout)?.[1] ?? 0);
  extraPassed += count('pass');
  extraFailed += Math.max(count('fail'), nodeTests.status === 0 ? 0 : 1);
  // The cluster's fan-out through its own services (still running from the vitest passes).
  const clusterSmokeOk = step('load-test smoke (cluster fan-out)', process.execPath, [join(root, 'loadtest/bench.mjs'), '--smoke', '--scenario', 'fanout', '--target', 'parley-cluster']);
  const smokeOk = step('load-test smoke', process.execPath, [join(root, 'loadtest/bench.mjs'), '--smoke', '--require-parley']);
  for (const passedStep of [clusterSmokeOk, smokeOk]) {
    if (passedStep) extraPassed += 1;
    else extraFailed += 1;
  }
  ok = smokeOk && clusterSmokeOk && nodeTests.status === 0 && ok;
} else {
  console.log('\n=== load-test smoke: not run (vitest was given filters)');
}

const services = join(root, 'scripts/services/all.sh');
if (existsSync(services)) step('stop services', 'bash', [services, 'stop']);

let passed = 0;
let failed = 0;
let skipped = 0;
// Failures are named again just above the summary line, so a log cut to its last lines still says
// which test failed and why.
const failures = [];
for (const [i, report] of reports.entries()) {
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    for (const file of r.testResults ?? []) {
      const where = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
        failures.push(`${where}: ${firstLine(file.message)}`);
      }
      for (const t of file.assertionResults ?? []) {
        if (t.status === 'failed') failures.push(`${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      }
    }
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
    skipped += r.numPendingTests + r.numTodoTests;
  } else if (!(i === 0 ? vitestOk : clusterOk)) {
    failed += 1;
  }
}
passed += extraPassed;
failed += extraFailed;
if (!ok && failed === 0) failed = 1;
if (failures.length > 0) console.log(`\nfailed tests:\n${failures.map((f) => `  ✗ ${f}`).join('\n')}`);
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);

function firstLine(text) {
  return String(text ?? '').split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 300) ?? '';
}
