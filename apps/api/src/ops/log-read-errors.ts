import type { Logger } from '@parley/infra/observability';

/**
 * `SubscribeOptions.onReadError` for a follower of the store's log (the relay, a read-model feed):
 * a read failed, and it reads again after a pause of up to 5 s.
 */
export const logReadErrors =
  (logger: Logger, follower: string) =>
  (err: unknown, failures: number): void =>
    logger.warn({ err, failures, follower }, 'could not read the event log; reading again');
