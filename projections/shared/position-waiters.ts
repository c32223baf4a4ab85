/**
 * Readers waiting for a projector to reach a position (read-your-writes): `wait` resolves true
 * at once when `position()` is already there, else once `reached()` is called after the position
 * got there; false when its timeout passes or `releaseAll()` gives up on every one of them.
 */
export class PositionWaiters {
  private readonly waiters = new Set<{ target: number; resolve: (reached: boolean) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly position: () => number) {}

  /** How many readers are waiting. */
  get waiting(): number {
    return this.waiters.size;
  }

  wait(target: number, timeoutMs: number): Promise<boolean> {
    if (this.position() >= target) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Call after the position advanced: releases the waiters it reached. */
  reached(): void {
    const position = this.position();
    for (const w of this.waiters) {
      if (position < w.target) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve(true);
    }
  }

  releaseAll(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiters.clear();
  }
}
