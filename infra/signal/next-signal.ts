/**
 * "The next time it happens", as a promise: `wait()` returns one shared promise, made on the first
 * call after the last `fire()`, and `fire()` settles it. Nothing is allocated while nobody waits.
 */
export class NextSignal {
  private pending: { promise: Promise<void>; settle: () => void } | undefined;

  wait(): Promise<void> {
    if (!this.pending) {
      let settle = () => undefined as void;
      const promise = new Promise<void>((resolve) => (settle = resolve));
      this.pending = { promise, settle };
    }
    return this.pending.promise;
  }

  fire(): void {
    this.pending?.settle();
    this.pending = undefined;
  }
}
