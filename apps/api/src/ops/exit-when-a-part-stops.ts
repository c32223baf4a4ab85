import type { Logger } from '@parley/infra/observability';
import type { StoppedPart } from './stopped-parts.js';

/**
 * For a process's entry point: once a part of the node stops by itself, stop the rest (viewers get
 * 1001 and reconnect elsewhere, the relay writes its checkpoint) and exit with code 1, so that a
 * supervisor (systemd, a container runtime, `npm run cluster`) starts it again. A process that
 * stayed up would answer 503 for good, and most supervisors restart exits, not failing probes.
 */
export function exitWhenAPartStops(node: { stoppedPart: Promise<StoppedPart>; stop(): Promise<void> }, logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  void node.stoppedPart.then(async ({ part }) => {
    logger.fatal({ part }, `exiting: the ${part} stopped, and a restart is what brings it back`);
    await node.stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
    exit(1);
  });
}
