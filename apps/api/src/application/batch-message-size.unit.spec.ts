import { describe, expect, it } from 'vitest';
import { mayHoldOversizedMessage } from './ingress.js';

const reencodedBytes = (text: string) => Buffer.byteLength(JSON.stringify(JSON.parse(text)));

describe('batch ingress: which bodies need their messages measured', () => {
  it('re-encoding grows JSON text by at most 21/4, the bound the shortcut rests on', () => {
    const worst = [
      '1e20',
      '[1e20,1e20,1e20]',
      '{"a":9e20,"b":-1e20}',
      '"\\u00e9\\/\\"x"',
      '"\\ud800"',
      '{"k":[0.1e21,1.5e20,9e9,1E20,-0,0e0]}',
      '{  "spaced" :  [ 1e20 ] }',
    ];
    for (const text of worst) expect(reencodedBytes(text) * 4, text).toBeLessThanOrEqual(Buffer.byteLength(text) * 21);
    expect(reencodedBytes('1e20') * 4).toBe(21 * 4); // the bound is reached
  });

  it('bodies up to 4/21 of 64 KB are not measured, larger ones are', () => {
    const limit = 64 * 1024;
    const largestUnmeasured = Math.floor((limit * 4) / 21);
    expect(mayHoldOversizedMessage(largestUnmeasured)).toBe(false);
    expect(mayHoldOversizedMessage(largestUnmeasured + 1)).toBe(true);
    // A body that small cannot hold a message over the limit even of the most growing kind.
    const body = `{"messages":[{"meta":[${Array(Math.floor((largestUnmeasured - 30) / 5)).fill('1e20').join(',')}]}]}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(largestUnmeasured);
    expect(reencodedBytes(body)).toBeLessThanOrEqual(limit);
  });
});
