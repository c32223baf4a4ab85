import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const h = (n: number): string => HEX[n & 0xff]!;
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMillis = 0;
let sequence = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids from
 * one millisecond in order, then random bits. Ids that grow with time land at the end of the
 * event store's id index, so an append touches one index page instead of one per event (SQLite
 * appends about twice as fast as with random v4 ids).
 */
export function newEventId(now: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const b = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  if (now > lastMillis) {
    lastMillis = now;
    sequence = b[6]! & 0x03; // a random start leaves room for thousands of ids per millisecond
  } else if (++sequence > 0xfff) {
    lastMillis += 1; // counter exhausted: borrow the next millisecond so ids stay ordered
    sequence = 0;
  }
  const ms = lastMillis;
  const hi = Math.floor(ms / 0x10000);
  return (
    h(hi >>> 24) + h(hi >>> 16) + h(hi >>> 8) + h(hi) + '-' + h(ms >>> 8) + h(ms) + '-' +
    h(0x70 | (sequence >>> 8)) + h(sequence) + '-' + h(0x80 | (b[8]! & 0x3f)) + h(b[9]!) + '-' +
    h(b[10]!) + h(b[11]!) + h(b[12]!) + h(b[13]!) + h(b[14]!) + h(b[15]!)
  );
}

