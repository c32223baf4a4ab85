import type { Logger } from '@parley/infra/observability';

/** Where the signals come from and how the process ends (the real process by default; tests pass their own). */
export interface SignalHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/**
 * For a process's entry point: on SIGINT or SIGTERM, stop the process once and exit 0 (1 if the
 * stop failed, logged). A second signal while stopping exits 1 at once: Ctrl-C twice is how an
 * operator says "now", when a stop waits on something that does not answer.
 */
export function stopOnSignals(name: string, logger: Logger, stop: () => Promise<void>, host: SignalHost = process): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal, process: name }, 'second signal while stopping: exiting now');
      host.exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, process: name }, 'stopping');
    stop().then(
      () => host.exit(0),
      (error: unknown) => {
        logger.error({ err: error, process: name }, 'stop failed');
        host.exit(1);
      },
    );
  };
  host.on('SIGINT', onSignal);
  host.on('SIGTERM', onSignal);
}
