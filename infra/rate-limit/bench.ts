/**
 * Cost per check of the fixed-window quota (the REST surfaces' per-caller and per-address limit,
 * 60 s windows) when `perSecond` new addresses a second arrive, after 4 simulated minutes.
 *   npx tsx infra/rate-limit/bench.ts [perSecond=1000]
 */
import { performance } from 'node:perf_hooks';
import { fixedWindowQuota } from './fixed-window.js';

const [perSecond = 1000] = process.argv.slice(2).map(Number);
const quota = fixedWindowQuota({ limit: 600, windowMs: 60_000 });
const total = perSecond * 300;
const measureFrom = perSecond * 240;
let now = 0;
let started = 0;
for (let i = 0; i < total; i++) {
  if (i === measureFrom) started = performance.now();
  now += 1000 / perSecond;
  quota.check(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, Math.floor(now));
}
const perCheck = ((performance.now() - started) * 1000) / (total - measureFrom);
console.log(`${perCheck.toFixed(2)} µs per check at ${perSecond} new addresses/s; ${quota.size()} windows held`);
