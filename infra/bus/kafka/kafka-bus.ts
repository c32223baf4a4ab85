import { connect } from 'node:net';
import { Kafka, logLevel as KafkaLogLevel, Partitioners, type Admin, type Consumer, type ISocketFactory, type Producer, type ProducerConfig } from 'kafkajs';
import { encodeStoredEvent, type EncodedEvent } from '../../event-store/port.js';
import type { Bus, BusSubscription } from '../port.js';
import { chunkBySize, fromMessageValue, toMessages } from './messages.js';
import { offsetCommitter } from './offset-committer.js';
import { fixKafkajsIdleTimer } from './request-queue-timer.js';
import { retryTransient } from './retry.js';

fixKafkajsIdleTimer();

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Default `parley.events`. */
  topic?: string;
  /** Partitions when this bus creates the topic. Default 6. */
  partitions?: number;
  /** Where a consumer group with no committed offset starts. Default `earliest` (projectors must see all history). */
  newGroupsStartAt?: 'earliest' | 'latest';
  /** Consumer session timeout (ms). Default 10 000; tests use less to rebalance quickly. */
  sessionTimeoutMs?: number;
  /** Consumer heartbeat interval (ms). Default a third of the session timeout. */
  heartbeatIntervalMs?: number;
  /** How long opening a connection to a broker may take before kafkajs retries it. Default 3000. */
  connectionTimeoutMs?: number;
  /**
   * Longest a fetch waits for new records (ms). Default 50. An idle consumer asks again this often;
   * 500 would ask ten times less, but gave a 1–2 ms higher delivery p50 at 2,500 events/s in
   * `infra/bus/kafka/bench.ts 20000 1000` (three runs each, 2026-11-26).
   */
  maxWaitTimeMs?: number;
  /** How often handled offsets are committed (ms). Default 200. */
  commitIntervalMs?: number;
  /** How long publish and subscribe keep retrying transient errors (broker away) before failing (ms). Default 300 000. */
  retryForMs?: number;
  /** Largest single produce request, in value bytes. Default 900 KiB (under the broker's 1 MiB). */
  maxRequestBytes?: number;
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Opens the TCP connections to brokers. Default: plain sockets with Nagle's algorithm off. Tests inject faults here. */
  socketFactory?: ISocketFactory;
}

/** Backoff between consumers started again after kafkajs gave one up: 0.2 s doubling to 5 s, reset once a consumer joins its group. */
const RESTART_FIRST_DELAY_MS = 200;
const RESTART_MAX_DELAY_MS = 5000;

const LOG_LEVELS = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

/**
 * No acknowledged event may be lost or reordered: the idempotent producer drops the duplicates its
 * own retries would write, one request in flight keeps a partition's records in send order, and
 * retries never give up while the broker is away.
 */
export const PRODUCER_SETTINGS = {
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
  allowAutoTopicCreation: false,
  retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER },
} as const satisfies ProducerConfig;

/** `acks: all`: a send resolves only once every in-sync replica has the records (required by the idempotent producer). */
export const SEND_ACKS = -1;

/**
 * The cluster profile's bus on Apache Kafka.
 *
 * Publishing: an idempotent producer (`acks: -1`, one request in flight, retried without limit by
 * kafkajs while the broker is away), keyed by stream, so one room's events land in one partition
 * in publish order; a room's events of one publish share one record (see `toMessages`).
 * `publish` resolves once every event is acknowledged by all in-sync replicas; the relay moves
 * its checkpoint only then.
 *
 * Consuming: `subscribe({ group })` joins that consumer group (members share partitions; each
 * group sees everything). The handler is awaited per fetched batch (one partition at a time) and
 * that batch's offset is committed only after it resolves (in the background, every
 * `commitIntervalMs`, and on close): at-least-once delivery, never a skip.
 * A handler that throws makes kafkajs retry, then restart the consumer from the last committed
 * offset. Broker restarts are ridden out by kafkajs' reconnect and retry (the consumer restarts
 * itself on retriable errors); where kafkajs gives a consumer up, the subscription starts a new one.
 */
export function kafkaBus(options: KafkaBusOptions): Bus {
  const topic = options.topic ?? 'parley.events';
  const partitions = options.partitions ?? 6;
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? Math.max(100, Math.floor(sessionTimeout / 3));
  const maxRequestBytes = options.maxRequestBytes ?? 900 * 1024;
  const retryForMs = options.retryForMs ?? 300_000;

  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: LOG_LEVELS[options.logLevel ?? 'nothing'],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 20 },
    socketFactory: options.socketFactory ?? noDelaySockets,
  });

  let topicReady: Promise<void> | undefined;
  const ensureTopic = () =>
    (topicReady ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = await admin.listTopics();
        if (!existing.includes(topic)) {
          try {
            // Not `waitForLeaders`: right after a broker start kafkajs gives up on the first
            // UNKNOWN_TOPIC_OR_PARTITION while the broker's metadata catches up with the controller.
            await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
          } catch (error) {
            // Another process created it between our list and our create.
            if (!/already exists/i.test(String((error as Error).message))) throw error;
          }
        }
        await waitForLeaders(admin, topic, 30_000);
      } finally {
        await admin.disconnect();
      }
    })().catch((error) => {
      topicReady = undefined;
      throw error;
    }));

  let producerReady: Promise<Producer> | undefined;
  const connectedProducer = () =>
    (producerReady ??= (async () => {
      await ensureTopic();
      const p = kafka.producer(PRODUCER_SETTINGS);
      await p.connect();
      return p;
    })().catch((error) => {
      producerReady = undefined;
      throw error;
    }));

  const subscriptions = new Set<() => Promise<void>>();
  let closed = false;

  const publishEncoded = async (events: readonly EncodedEvent[]): Promise<void> => {
    if (closed) throw new Error('kafka bus is closed');
    if (events.length === 0) return;
    // Sequential sends keep the order of the chunks, and so of every key's events. A chunk
    // whose send failed on a dropped connection is sent again: at least once, in order.
    for (const messages of chunkBySize(toMessages(events), maxRequestBytes)) {
      await retryTransient(async () => {
        const p = await connectedProducer();
        await p.send({ topic, acks: SEND_ACKS, messages });
      }, retryForMs, () => closed);
    }
  };

  return {
    kind: 'kafka',

    publish: (events) => publishEncoded(events.map(encodeStoredEvent)),
    publishEncoded,

    async subscribe({ group }, handler): Promise<BusSubscription> {
      if (closed) throw new Error('kafka bus is closed');
      await retryTransient(ensureTopic, retryForMs, () => closed);
      let running: { consumer: Consumer; committer: ReturnType<typeof offsetCommitter> } | undefined;
      let inFlight: Promise<void> = Promise.resolve();
      let stopping = false;
      let restartTimer: NodeJS.Timeout | undefined;
      let restartDelayMs = RESTART_FIRST_DELAY_MS;

      const runConsumer = async (): Promise<void> => {
        const consumer = kafka.consumer({
          groupId: group,
          sessionTimeout,
          heartbeatInterval,
          rebalanceTimeout: Math.max(sessionTimeout, 5000),
          maxWaitTimeInMs: options.maxWaitTimeMs ?? 50,
          allowAutoTopicCreation: false,
          retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 10 },
        });
        const committer = offsetCommitter((offsets) => consumer.commitOffsets(offsets), options.commitIntervalMs ?? 200);
        running = { consumer, committer };
        consumer.on(consumer.events.GROUP_JOIN, () => {
          restartDelayMs = RESTART_FIRST_DELAY_MS;
        });
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (payload.restart || stopping) return;
          // kafkajs gives up for good on errors it calls non-retriable, e.g. a dropped connection
          // or a coordinator still loading while it looks for the group's coordinator (a broker
          // that has just started). A subscriber that stopped receiving would starve its viewers
          // silently, so it starts a new consumer, from the last committed offsets, until closed.
          // Offsets handled but not yet committed are delivered again: at least once.
          void committer.stop();
          scheduleRestart();
        });
        await retryTransient(() => consumer.connect(), retryForMs, () => stopping);
        await consumer.subscribe({ topics: [topic], fromBeginning: (options.newGroupsStartAt ?? 'earliest') === 'earliest' });
        if (stopping) {
          // Closed while this consumer was connecting: `stop` may have disconnected it before the
          // connection was up, so it is disconnected again here, and never runs.
          await consumer.disconnect().catch(() => undefined);
          return;
        }
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            if (batch.messages.length === 0 || stopping || !isRunning() || isStale()) return;
            const events = batch.messages.flatMap((m) => fromMessageValue(m.value));
            const handled = Promise.resolve(handler(events));
            inFlight = handled;
            await handled;
            const last = batch.messages[batch.messages.length - 1]!.offset;
            resolveOffset(last);
            committer.mark({ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
            await heartbeat();
          },
        });
      };

      const scheduleRestart = () => {
        const delay = restartDelayMs;
        restartDelayMs = Math.min(restartDelayMs * 2, RESTART_MAX_DELAY_MS);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (stopping) return;
          runConsumer().catch(async () => {
            await running?.consumer.disconnect().catch(() => undefined);
            if (!stopping) scheduleRestart();
          });
        }, delay);
      };

      const stop = async () => {
        if (stopping) return;
        stopping = true;
        clearTimeout(restartTimer);
        const current = running;
        if (!current) return;
        // No new batches; let the one being handled finish; commit; leave the group.
        try {
          current.consumer.pause([{ topic }]);
        } catch {
          // not running (never started, or restarting after a crash): nothing to pause
        }
        await inFlight.catch(() => undefined);
        await current.committer.stop();
        await current.consumer.disconnect();
      };
      subscriptions.add(stop);
      await runConsumer();
      return {
        async close() {
          subscriptions.delete(stop);
          await stop();
        },
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      const pending = [...subscriptions].map((stop) => stop());
      subscriptions.clear();
      if (producerReady) pending.push(producerReady.then((p) => p.disconnect()).catch(() => undefined));
      await Promise.allSettled(pending);
    },
  };
}

/**
 * kafkajs' own sockets keep Nagle's algorithm on: a request written in more than one piece waits
 * for the broker's (delayed) ACK of the first, which showed as a ~40 ms floor under the cluster's
 * ingress → WebSocket latency. Plain TCP only (the bus has no TLS option).
 */
export const noDelaySockets: ISocketFactory = ({ host, port, onConnect }) => {
  const socket = connect({ host, port, noDelay: true }, onConnect);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/** Polls the topic's metadata until every partition has a leader (brokers learn new topics asynchronously). */
async function waitForLeaders(admin: Admin, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = topics[0]?.partitions ?? [];
      if (parts.length > 0 && parts.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`kafka topic ${topic} has no leader for every partition after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
