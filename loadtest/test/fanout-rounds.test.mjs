import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairRatiosWithBare, summarizeRounds } from '../lib/fanout-rounds.mjs';

const row = (round, shape, target, deliveriesPerSecond) => ({ round, shape, target, label: target, deliveriesPerSecond });

test('each ratio is taken against the bare run of its own round and shape', () => {
  const rows = pairRatiosWithBare([
    row(1, '100x100', 'parley', 1_000_000),
    row(1, '100x100', 'bare', 2_000_000),
    row(1, '1x10000', 'parley', 2_000_000),
    row(1, '1x10000', 'bare', 1_600_000),
    row(2, '100x100', 'parley', 900_000),
    row(2, '100x100', 'bare', 1_500_000),
  ]);
  assert.deepEqual(rows.map((r) => r.ratioToBare), [0.5, 1, 1.25, 1, 0.6, 1]);
});

test('a row without a bare run in its round gets no ratio, and a failed run none either', () => {
  const rows = pairRatiosWithBare([row(1, '100x100', 'bare', 2_000_000), row(2, '100x100', 'parley', 1_000_000), { ...row(1, '100x100', 'parley'), error: 'boom' }]);
  assert.equal(rows[1].ratioToBare, undefined);
  assert.equal(rows[2].ratioToBare, undefined);
});

test('the summary gives median, min, max and every round, per shape and target, and counts failed rounds', () => {
  const rows = pairRatiosWithBare([
    row(1, '100x100', 'parley', 1_000_000),
    row(1, '100x100', 'bare', 2_000_000),
    row(2, '100x100', 'parley', 1_200_000),
    row(2, '100x100', 'bare', 2_000_000),
    row(3, '100x100', 'parley', 1_400_000),
    row(3, '100x100', 'bare', 2_000_000),
    { ...row(4, '100x100', 'parley'), error: 'target did not start' },
    row(4, '100x100', 'bare', 1_000_000),
  ]);
  const [parley, bare] = summarizeRounds(rows);
  assert.equal(parley.target, 'parley');
  assert.equal(parley.rounds, 4);
  assert.equal(parley.failed, 1);
  assert.deepEqual(parley.deliveriesPerSecond, { median: 1_200_000, min: 1_000_000, max: 1_400_000, values: [1_000_000, 1_200_000, 1_400_000] });
  assert.deepEqual(parley.ratioToBare, { median: 0.6, min: 0.5, max: 0.7, values: [0.5, 0.6, 0.7] });
  assert.deepEqual(bare.deliveriesPerSecond.median, 2_000_000);
  assert.equal(bare.failed, 0);
});

test('the median of an even count is the mean of the middle two', () => {
  const [s] = summarizeRounds([row(1, '1x10', 'bare', 4), row(2, '1x10', 'bare', 1), row(3, '1x10', 'bare', 3), row(4, '1x10', 'bare', 2)]);
  assert.equal(s.deliveriesPerSecond.median, 2.5);
});
