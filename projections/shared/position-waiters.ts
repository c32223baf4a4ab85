/**
 * Readers waiting for a projector to reach a position (read-your-writes): `wait` resolves true
 * once `reached(position)` is told a position at or past its target, false when its timeout
 * passes or `releaseAll()` gives up on every one of them.
 */
export class PositionWaiters {
  private readonly waiters = new Set<{ target: number; resolve: (reached: boolean) => void; timer: NodeJS.Timeout }>();

  wait(target: number, timeoutMs: number): Promise<boolean> {
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

  reached(position: number): void {
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
