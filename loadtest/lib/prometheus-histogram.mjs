// Reading Prometheus histograms out of /metrics text pages, and what they counted between two
// scrapes. Shared by the plain-JavaScript load-test tools and the TypeScript cluster benchmarks.

/**
 * One histogram series' cumulative buckets, `[upper bound, count]` in order, `+Inf` last; empty when
 * absent. `labels` names a labelled series as the page writes it (`route="POST /rooms/{room}/ingress"`);
 * without it, only the unlabelled series is read.
 */
export function histogramBuckets(text, name, labels = '') {
  const prefix = labels ? `${name}_bucket{${labels},le="` : `${name}_bucket{le="`;
  const buckets = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const bound = line.slice(prefix.length, line.indexOf('"', prefix.length));
    buckets.push([bound === '+Inf' ? Infinity : Number(bound), Number(line.split(' ').at(-1))]);
  }
  return buckets;
}

/**
 * What was observed between two scrapes of the same histogram. One the first scrape lacked, or that
 * counts fewer now (the process restarted in between), counts from zero.
 */
export function bucketsBetween(before, after) {
  if ((after.at(-1)?.[1] ?? 0) < (before.at(-1)?.[1] ?? 0)) return after;
  return after.map(([bound, count], i) => [bound, count - (before[i]?.[1] ?? 0)]);
}

/**
 * The upper bound of the bucket holding quantile `q` (0–1) of what `buckets` counted: all a
 * histogram can say of it ("p99 ≤ 50 ms"). Infinity past the last finite bound; NaN when empty.
 */
export function quantileBound(buckets, q) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return NaN;
  const rank = Math.ceil(q * total);
  return buckets.find(([, count]) => count >= rank)[0];
}
