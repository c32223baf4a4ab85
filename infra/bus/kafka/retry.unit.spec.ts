import { describe, expect, it } from 'vitest';
import { isTransientKafkaError, retryTransient } from './retry.js';

const named = (name: string, retriable?: boolean) => Object.assign(new Error(name), { name, ...(retriable === undefined ? {} : { retriable }) });

describe('retryTransient', () => {
  it('tells transient Kafka errors from the rest', () => {
    expect(isTransientKafkaError(named('KafkaJSConnectionClosedError'))).toBe(true);
    expect(isTransientKafkaError(named('KafkaJSProtocolError', true))).toBe(true);
    expect(isTransientKafkaError(named('KafkaJSProtocolError', false))).toBe(false);
    expect(isTransientKafkaError(new TypeError('bug'))).toBe(false);
  });

  it('retries a transient failure until the operation succeeds', async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      calls += 1;
      if (calls < 3) throw named('KafkaJSConnectionError');
      return 'sent';
    }, 5000);
    expect(result).toBe('sent');
    expect(calls).toBe(3);
  });

  it('throws a non-transient error at once, and a transient one once time is up', async () => {
    let calls = 0;
    await expect(retryTransient(async () => {
      calls += 1;
      throw new TypeError('bug');
    }, 5000)).rejects.toThrow('bug');
    expect(calls).toBe(1);
    await expect(retryTransient(async () => {
      throw named('KafkaJSConnectionError');
    }, 250)).rejects.toThrow('KafkaJSConnectionError');
  });
});
