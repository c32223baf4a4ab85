/**
 * Cost per check of the bounded rate limiter as the ingress uses it per source IP: `checks`
 * requests at `rate` a second (a simulated clock) from `distinct` addresses in turn, 60 per 10 s.
 * At 2,500 distinct addresses a second it holds 25,000 keys. (The old end of other maps:
 * domain/shared/bench.ts.)
 *   npx tsx domain/ingress/bench.ts [checks=200000] [rate=2500] [distinct=65536]
 */
import { performance } from 'node:perf_hooks';
import { createRateLimiter } from './rate-limiter.js';

const [checks = 200_000, rate = 2_500, distinct = 65_536] = process.argv.slice(2).map(Number);
const limiter = createRateLimiter({ limit: 60, windowMs: 10_000, maxKeys: 100_000 });
const keys = Array.from({ length: distinct }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
let now = 1_000_000;
const started = performance.now();
for (let i = 0; i < checks; i++) {
  now += 1000 / rate;
  limiter.check(keys[i % distinct]!, Math.floor(now));
}
const perCheck = ((performance.now() - started) * 1000) / checks;
console.log(`rate limiter: ${perCheck.toFixed(2)} µs per check at ${rate}/s from ${distinct} addresses; ${limiter.size} keys held`);
