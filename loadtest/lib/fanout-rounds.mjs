// Repeated fan-out runs (`--rounds N`): each round runs every target once, in the same order, so
// a target's ratio to bare uWS is taken against the bare run of its own round (the machine's
// load moves from one minute to the next; a ratio across rounds would mix two machines).

/** Ratio of each row to the bare uWS row of the same shape and round (rows of failed runs get none). */
export function pairRatiosWithBare(rows) {
  for (const row of rows) {
    const bare = rows.find((r) => r.target === 'bare' && r.shape === row.shape && (r.round ?? 1) === (row.round ?? 1) && r.deliveriesPerSecond);
    if (bare && row.deliveriesPerSecond != null) row.ratioToBare = Number((row.deliveriesPerSecond / bare.deliveriesPerSecond).toFixed(3));
  }
  return rows;
}

const median = (sorted) => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const spread = (values) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1], values };
};

/**
 * Per shape and target, over the rounds: deliveries/s and the ratio to bare (median, min, max,
 * each round's value in order) and how many rounds failed. In the order rows first appear.
 */
export function summarizeRounds(rows) {
  const groups = new Map();
  for (const row of rows) {
    const key = `${row.shape}\u0000${row.target}`;
    if (!groups.has(key)) groups.set(key, { shape: row.shape, target: row.target, label: row.label, rows: [] });
    groups.get(key).rows.push(row);
  }
  return [...groups.values()].map(({ rows: runs, ...group }) => {
    const ok = runs.filter((r) => !r.error && r.deliveriesPerSecond != null);
    return {
      ...group,
      rounds: runs.length,
      failed: runs.length - ok.length,
      deliveriesPerSecond: spread(ok.map((r) => r.deliveriesPerSecond)),
      ratioToBare: spread(ok.filter((r) => r.ratioToBare != null).map((r) => r.ratioToBare)),
    };
  });
}
