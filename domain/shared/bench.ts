/**
 * What forgetting from the old end of a Map costs, InsertionOrderMap against a plain Map read
 * through a fresh iterator each time (what the code did before), in the two shapes the api uses:
 * 1. a time window (the ingress's replay window of timestamped signatures, kept 10 minutes and
 *    forgotten from the old end on every request), after 15 simulated minutes at `rate` a second;
 * 2. a full bounded cache of `capacity` entries (rooms, users): one new entry and one eviction of
 *    the oldest per step.
 *   npx tsx domain/shared/bench.ts [rate=1000] [capacity=100000]
 */
import { performance } from 'node:perf_hooks';
import { InsertionOrderMap } from './insertion-order-map.js';

const [rate = 1000, capacity = 100_000] = process.argv.slice(2).map(Number);
const TTL = 600_000;

interface Shape {
  set(key: string, value: number): void;
  /** Deletes entries from the old end while `expired(value)`, at most `max`. */
  forget(expired: (value: number) => boolean, max: number): void;
  readonly size: number;
}

const insertionOrderMap = (): Shape => {
  const map = new InsertionOrderMap<string, number>();
  return {
    set: (key, value) => void map.set(key, value),
    forget: (expired, max) => void map.deleteOldestWhile(expired, max),
    get size() {
      return map.size;
    },
  };
};

const plainMap = (): Shape => {
  const map = new Map<string, number>();
  return {
    set: (key, value) => void map.set(key, value),
    forget(expired, max) {
      let n = 0;
      for (const [key, value] of map) {
        if (n++ >= max || !expired(value)) break;
        map.delete(key);
      }
    },
    get size() {
      return map.size;
    },
  };
};

const timed = (steps: number, measureFrom: number, step: (i: number) => void): number => {
  let started = 0;
  for (let i = 0; i < steps; i++) {
    if (i === measureFrom) started = performance.now();
    step(i);
  }
  return ((performance.now() - started) * 1000) / (steps - measureFrom);
};

for (const [name, make] of [['InsertionOrderMap', insertionOrderMap], ['Map, fresh iterator', plainMap]] as const) {
  const window = make();
  const perRequest = timed(rate * 900, rate * 780, (i) => {
    const now = (i * 1000) / rate;
    window.forget((seen) => seen + TTL <= now, 100);
    window.set(`sig-${i}`, now);
  });
  const cache = make();
  for (let i = 0; i < capacity; i++) cache.set(`k${i}`, i);
  const perInsert = timed(300_000, 0, (i) => {
    cache.set(`new-${i}`, i);
    if (cache.size > capacity) cache.forget(() => true, 1);
  });
  console.log(`${name}: time window ${perRequest.toFixed(2)} µs a request at ${rate}/s (${window.size} held); full cache of ${capacity} ${perInsert.toFixed(2)} µs an insert`);
}
