import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import './kafka-bus.js';
import { kafkajsRequestQueue } from './request-queue-timer.js';

// kafkajs' own RequestQueue, as its broker connections use it once the bus module is loaded.
const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: unknown; size: number }): void;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
};
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

function newQueue(maxInFlightRequests: number | null = null) {
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'spec:9092', logger: quietLogger });
}

function request(correlationId: number, sent: number[]) {
  return {
    entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve: () => undefined, reject: () => undefined },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  };
}

describe('kafkajs request queue timer (fixed for idle connections)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms no timer while nothing waits — upstream re-arms a 1 ms timer forever', () => {
    const queue = newQueue();
    queue.checkPendingRequests();
    expect(vi.getTimerCount()).toBe(0);
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });

  it('still sends a request held back by client-side throttling when the throttle ends', () => {
    const queue = newQueue();
    const sent: number[] = [];
    queue.maybeThrottle(50);
    queue.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });

  it('sends a request that waited for an in-flight slot as soon as the slot frees', () => {
    const queue = newQueue(1);
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.push(request(2, sent));
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    queue.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    // The check armed while request 2 waited fires once and arms nothing more.
    vi.advanceTimersByTime(10);
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });
});
