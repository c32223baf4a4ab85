/**
 * What forgetting from the old end costs, at ingress rates:
 * 1. the rate limiter as the ingress uses it per source IP: `checks` requests at `rate` a second
 *    (a simulated clock) from `distinct` addresses in turn, 60 per 10 s (at 2,500 distinct
 *    addresses a second it holds 25,000 keys);
 * 2. the replay window of timestamped signatures (kept 10 minutes, forgotten from the old end on
 *    every request) after 15 simulated minutes at `rate` a second, with InsertionOrderMap and, for
 *    comparison, with a plain Map read through a fresh iterator each time.
 *   npx tsx domain/ingress/bench.ts [checks=200000] [rate=2500] [distinct=65536]
 */
import { performance } from 'node:perf_hooks';
import { InsertionOrderMap } from '../shared/insertion-order-map.js';
import { createRateLimiter } from './rate-limiter.js';

const [checks = 200_000, rate = 2_500, distinct = 65_536] = process.argv.slice(2).map(Number);
const step = 1000 / rate;

const limiter = createRateLimiter({ limit: 60, windowMs: 10_000, maxKeys: 100_000 });
const keys = Array.from({ length: distinct }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
let now = 1_000_000;
let started = performance.now();
for (let i = 0; i < checks; i++) {
  now += step;
  limiter.check(keys[i % distinct]!, Math.floor(now));
}
const perCheck = ((performance.now() - started) * 1000) / checks;
console.log(`rate limiter: ${perCheck.toFixed(2)} µs per check at ${rate}/s from ${distinct} addresses; ${limiter.size} keys held`);

const TTL = 600_000;
const windows = {
  InsertionOrderMap: () => {
    const map = new InsertionOrderMap<string, number>();
    return (key: string, at: number) => {
      map.deleteOldestWhile((seen) => seen + TTL <= at, 100);
      map.set(key, at);
      return map.size;
    };
  },
  'Map, fresh iterator': () => {
    const map = new Map<string, number>();
    return (key: string, at: number) => {
      let n = 0;
      for (const [k, seen] of map) {
        if (seen + TTL > at || n++ >= 100) break;
        map.delete(k);
      }
      map.set(key, at);
      return map.size;
    };
  },
};
for (const [name, make] of Object.entries(windows)) {
  const remember = make();
  const total = Math.round(rate * 900);
  const measureFrom = Math.round(rate * 780);
  let size = 0;
  now = 0;
  for (let i = 0; i < total; i++) {
    if (i === measureFrom) started = performance.now();
    now += step;
    size = remember(`sig-${i}`, now);
  }
  const perRequest = ((performance.now() - started) * 1000) / (total - measureFrom);
  console.log(`replay window, ${name}: ${perRequest.toFixed(2)} µs per request at ${rate}/s after 15 min; ${size} signatures held`);
}
