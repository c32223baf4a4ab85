/**
 * Errors worth another try: kafkajs marks its transient errors `retriable`, and a connection
 * that drops (a broker restarting, or one that has just started) surfaces as one of these names.
 */
const TRANSIENT = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded', // kafkajs gave up on a retriable error; we may try longer
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
]);

export function isTransientKafkaError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error as { retriable?: boolean }).retriable === true || TRANSIENT.has(error.name);
}

/**
 * Runs `operation` until it succeeds, retrying transient Kafka errors with capped exponential
 * backoff for up to `forMs`; any other error, or the last transient one, is thrown.
 */
export async function retryTransient<T>(operation: () => Promise<T>, forMs: number, stop: () => boolean = () => false): Promise<T> {
  const deadline = Date.now() + forMs;
  let delay = 100;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (stop() || !isTransientKafkaError(error) || Date.now() + delay > deadline) throw error;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
