/** A part of a node (its relay, read-model projector, realtime network thread) that stopped by itself. */
export interface StoppedPart {
  part: string;
  error: Error;
}

/**
 * The parts of a node that stopped by themselves. Such a part does not come back while the process
 * runs (a relay that failed on a batch would fail on it again), so the first one is what `/healthz`
 * and `/readyz` answer with and what the process exits for (`exitWhenAPartStops`): restarting the
 * process, from the relay's checkpoint and the projector's positions, is the way back.
 */
export class StoppedParts {
  private firstStop: StoppedPart | null = null;
  private settle: (stop: StoppedPart) => void = () => undefined;
  /** Settles with the first part that stops; never, in a healthy process. */
  readonly first: Promise<StoppedPart> = new Promise((resolve) => (this.settle = resolve));

  report(part: string, error: Error): void {
    if (this.firstStop) return;
    this.firstStop = { part, error };
    this.settle(this.firstStop);
  }

  /** `relay stopped: …` for the first part that stopped, else null. */
  reason(): string | null {
    return this.firstStop ? `${this.firstStop.part} stopped: ${this.firstStop.error.message}` : null;
  }
}
