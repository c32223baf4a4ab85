import { NextSignal } from '../signal/index.js';

/**
 * Deliveries posted to the thread and not yet done (a publish counts one per subscriber there)
 * above which the bus waits, and below which it goes on: about a tenth of a second of sending.
 */
export const highWaterDeliveries = 200_000;
export const lowWaterDeliveries = 100_000;

/** The main thread's end of the link: one ordered queue of records, posted once per microtask checkpoint. */
export class ThreadLink {
  private records: unknown[] = [];
  private readonly subscribers = new Map<string, number>();
  /** Deliveries in the records not yet posted, and in each posted batch the thread has not done. */
  private deliveries = 0;
  private readonly inFlight: number[] = [];
  private outstanding = 0;
  private readonly caughtUpSignal = new NextSignal();
  private gone = false;

  constructor(private readonly port: { postMessage(batch: unknown[]): void }) {}

  push(deliveries: number, ...record: unknown[]): void {
    if (this.records.length === 0) queueMicrotask(this.flush);
    for (const field of record) this.records.push(field);
    this.deliveries += deliveries;
    this.outstanding += deliveries;
  }

  readonly flush = (): void => {
    if (this.records.length === 0) return;
    const batch = this.records;
    this.records = [];
    this.inFlight.push(this.deliveries);
    this.deliveries = 0;
    this.port.postMessage(batch);
  };

  /** The thread has done the oldest batch it was sent. */
  processed(): void {
    this.outstanding -= this.inFlight.shift() ?? 0;
    if (this.outstanding <= lowWaterDeliveries) this.caughtUpSignal.fire();
  }

  caughtUp(): Promise<void> | undefined {
    if (this.gone || this.outstanding <= highWaterDeliveries) return undefined;
    return this.caughtUpSignal.wait();
  }

  /** The thread is gone (stopped or died): nothing waits for it any more. */
  close(): void {
    this.gone = true;
    this.caughtUpSignal.fire();
  }

  subscribed(topic: string, delta: number): void {
    const n = (this.subscribers.get(topic) ?? 0) + delta;
    if (n > 0) this.subscribers.set(topic, n);
    else this.subscribers.delete(topic);
  }

  subscriberCount(topic: string): number {
    return this.subscribers.get(topic) ?? 0;
  }
}
