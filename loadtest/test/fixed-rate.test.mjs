import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const loadtest = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

test('fanout --rate publishes at that rate and reports the server CPU per delivery', { timeout: 120_000 }, async () => {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['bench.mjs', '--scenario', 'fanout', '--target', 'bare', '--shapes', '1x20', '--warmup', '1', '--duration', '3', '--rate', '200', '--no-docs'],
    { cwd: loadtest },
  );
  const file = /wrote (\S+\.json)/.exec(stderr)?.[1];
  assert.ok(file, stderr);
  const [row] = JSON.parse(readFileSync(path.join(loadtest, '..', file), 'utf8')).rows;
  // 200 msgs/s for warmup + duration (4 s): each of them reaches all 20 subscribers.
  assert.ok(row.published >= 700 && row.published <= 820, `published ${row.published}`);
  assert.equal(row.received, row.expected);
  assert.ok(row.deliveriesPerSecond > 3_500 && row.deliveriesPerSecond < 4_500, `deliveries/s ${row.deliveriesPerSecond}`);
  assert.ok(row.serverCpuNsPerDelivery > 0, `ns a delivery ${row.serverCpuNsPerDelivery}`);
  assert.match(row.publisher, /200 msgs\/s/);
});
