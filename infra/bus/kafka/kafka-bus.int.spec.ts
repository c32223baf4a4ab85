import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStoredEvent, type StoredEvent } from '../../event-store/port.js';
import type { Bus, BusSubscription } from '../port.js';
import { kafkaBus, noDelaySockets, type KafkaBusOptions } from './kafka-bus.js';

const script = fileURLToPath(new URL('../../../scripts/services/kafka.sh', import.meta.url));
let brokers: string[] = [];
const opened: Bus[] = [];

beforeAll(() => {
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  brokers = [execFileSync('bash', [script, 'url'], { encoding: 'utf8' }).trim()];
}, 600_000); // a cold start installs the service first

const topics: string[] = [];

afterAll(async () => {
  await Promise.allSettled(opened.map((b) => b.close()));
  if (topics.length === 0) return;
  const admin = new Kafka({ brokers, clientId: 'kafka-bus-spec-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
});

/** A bus on a topic of its own (one per test), with short timeouts so groups settle fast. */
const openBus = (topic: string, extra: Partial<KafkaBusOptions> = {}): Bus => {
  const bus = kafkaBus({ brokers, clientId: 'kafka-bus-spec', topic, partitions: 6, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, ...extra });
  opened.push(bus);
  return bus;
};
const freshTopic = () => {
  const topic = `spec-${randomUUID()}`;
  topics.push(topic);
  return topic;
};

let position = 0;
/** `count` events round-robin over `keys` streams, each stream's revisions counting from 0. */
function events(keys: string[], count: number, revisions = new Map<string, number>()): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const stream = keys[i % keys.length]!;
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    position += 1;
    return { id: randomUUID(), stream, revision, position, type: 'MessagePosted', data: { i }, metadata: {}, recordedAt: Date.now() };
  });
}

/** A handler that records what it sees, and a wait for a condition on it. */
function collector() {
  const seen: StoredEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    seen,
    handler: (batch: StoredEvent[]) => {
      seen.push(...batch);
      for (const w of waiters.splice(0)) w();
    },
    async until(done: () => boolean, timeoutMs = 20_000, what = 'events') {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${seen.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

const ids = (es: StoredEvent[]) => es.map((e) => e.id);

describe('kafka bus', () => {
  it('keeps each key in publish order across partitions, with several keys and publishes', async () => {
    const bus = openBus(freshTopic());
    const keys = Array.from({ length: 12 }, (_, i) => `room-${i}`);
    const revisions = new Map<string, number>();
    const published = [...events(keys, 300, revisions), ...events(keys, 300, revisions)];
    await bus.publish(published.slice(0, 300));
    await bus.publish(published.slice(300));
    const c = collector();
    await bus.subscribe({ group: 'order' }, c.handler);
    await c.until(() => c.seen.length >= published.length);
    expect(new Set(ids(c.seen))).toEqual(new Set(ids(published)));
    for (const key of keys) {
      const revs = c.seen.filter((e) => e.stream === key).map((e) => e.revision);
      expect(revs).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    // The events travel whole.
    const sample = published[123]!;
    expect(c.seen.find((e) => e.id === sample.id)).toEqual(sample);
  });

  it('delivers events published encoded exactly as the same events published as objects, in order per key', async () => {
    const bus = openBus(freshTopic());
    const revisions = new Map<string, number>();
    const asObjects = events(['a', 'b', 'c'], 30, revisions);
    const asText = events(['a', 'b', 'c'], 30, revisions).map((e) => ({ ...e, data: { text: `"quoted" \\ é 😀 nul:\u0000`, n: [1.5, null] } }));
    await bus.publish(asObjects);
    await bus.publishEncoded!(asText.map(encodeStoredEvent));
    const c = collector();
    await bus.subscribe({ group: 'encoded' }, c.handler);
    await c.until(() => c.seen.length >= 60);
    const byKey = (es: StoredEvent[], key: string) => es.filter((e) => e.stream === key);
    for (const key of ['a', 'b', 'c']) expect(byKey(c.seen, key)).toEqual(byKey([...asObjects, ...asText], key));
  });

  it('lets two groups each see every event', async () => {
    const bus = openBus(freshTopic());
    const published = events(['a', 'b', 'c', 'd', 'e'], 200);
    const one = collector();
    const two = collector();
    await bus.subscribe({ group: 'projector' }, one.handler);
    await bus.subscribe({ group: 'fanout-1' }, two.handler);
    await bus.publish(published);
    await one.until(() => one.seen.length >= 200);
    await two.until(() => two.seen.length >= 200);
    expect(new Set(ids(one.seen))).toEqual(new Set(ids(published)));
    expect(new Set(ids(two.seen))).toEqual(new Set(ids(published)));
  });

  it('splits the work between two consumers of one group without duplicates once the group is stable', async () => {
    const topic = freshTopic();
    const publisher = openBus(topic);
    const keys = Array.from({ length: 24 }, (_, i) => `room-${i}`);
    const a = collector();
    const b = collector();
    // Two processes, two bus instances, one group.
    await openBus(topic).subscribe({ group: 'shared' }, a.handler);
    await openBus(topic).subscribe({ group: 'shared' }, b.handler);
    // Warm up until both members own partitions (each has received something).
    const warmup: StoredEvent[] = [];
    const deadline = Date.now() + 30_000;
    while (a.seen.length === 0 || b.seen.length === 0) {
      if (Date.now() > deadline) throw new Error('the group never gave both members partitions');
      const more = events(keys, 24);
      warmup.push(...more);
      await publisher.publish(more);
      await new Promise((r) => setTimeout(r, 300));
    }
    await a.until(() => a.seen.length + b.seen.length >= warmup.length);
    const before = { a: a.seen.length, b: b.seen.length };
    const published = events(keys, 480);
    await publisher.publish(published);
    await a.until(() => a.seen.length - before.a + (b.seen.length - before.b) >= published.length);
    await new Promise((r) => setTimeout(r, 500)); // any stray duplicate would show up now
    const gotA = a.seen.slice(before.a);
    const gotB = b.seen.slice(before.b);
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    expect(gotA.length + gotB.length).toBe(published.length);
    const inA = new Set(ids(gotA));
    expect(gotB.filter((e) => inA.has(e.id))).toEqual([]);
    expect(new Set([...ids(gotA), ...ids(gotB)])).toEqual(new Set(ids(published)));
    // A key belongs to one member only (one partition, one owner).
    const streamsA = new Set(gotA.map((e) => e.stream));
    expect(gotB.filter((e) => streamsA.has(e.stream))).toEqual([]);
  });

  it('resumes a restarted consumer right after its last committed batch', async () => {
    const topic = freshTopic();
    const publisher = openBus(topic);
    const first = events(['r1', 'r2', 'r3'], 90);
    await publisher.publish(first);
    const before = collector();
    const consumerBus = openBus(topic);
    const sub: BusSubscription = await consumerBus.subscribe({ group: 'resumer' }, before.handler);
    await before.until(() => before.seen.length >= first.length);
    await sub.close();
    await consumerBus.close();

    const second = events(['r1', 'r2', 'r3'], 60);
    await publisher.publish(second);
    const after = collector();
    await openBus(topic).subscribe({ group: 'resumer' }, after.handler);
    await after.until(() => after.seen.length >= second.length);
    await new Promise((r) => setTimeout(r, 500));
    expect(ids(before.seen)).toEqual(expect.arrayContaining(ids(first)));
    expect(after.seen).toHaveLength(second.length);
    expect(new Set(ids(after.seen))).toEqual(new Set(ids(second)));
  });

  it('redelivers a batch whose handler failed, skipping nothing', async () => {
    const bus = openBus(freshTopic());
    const published = events(['x'], 50);
    await bus.publish(published);
    const seen: StoredEvent[] = [];
    let failures = 0;
    await bus.subscribe({ group: 'flaky' }, (batch) => {
      if (failures === 0) {
        failures += 1;
        throw new Error('projector hiccup');
      }
      seen.push(...batch);
    });
    const deadline = Date.now() + 20_000;
    while (seen.length < published.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(failures).toBe(1);
    expect(ids(seen)).toEqual(ids(published));
  });
});

/** Kafka's FindCoordinator request (API key 10); a request is one buffer: int32 size, int16 API key, ... */
const FIND_COORDINATOR = 10;

/**
 * Real sockets to the real broker, except that the next `drops` FindCoordinator requests close
 * their connection instead of being sent: what a consumer meets when it looks for its group's
 * coordinator on a broker that is restarting or has just started.
 */
function socketsDroppingFindCoordinator(drops: number): ISocketFactory & { dropped: () => number } {
  let dropped = 0;
  const factory: ISocketFactory = (args) => {
    const socket = noDelaySockets(args);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (dropped < drops && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === FIND_COORDINATOR) {
        dropped += 1;
        // With an error, as a reset connection: kafkajs fails the request at once instead of after its timeout.
        socket.destroy(Object.assign(new Error('connection reset (injected)'), { code: 'ECONNRESET' }));
        return false;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
  return Object.assign(factory, { dropped: () => dropped });
}

describe('kafka bus when kafkajs gives its consumer up', () => {
  it('starts a new consumer and delivers everything, after the connection drops while finding the group coordinator', async () => {
    const topic = freshTopic();
    const publisher = openBus(topic);
    const published = events(['room-a', 'room-b'], 30);
    await publisher.publish(published);
    // kafkajs calls this failure (KafkaJSGroupCoordinatorNotFound) non-retriable and stops the consumer.
    const sockets = socketsDroppingFindCoordinator(2);
    const c = collector();
    await openBus(topic, { socketFactory: sockets }).subscribe({ group: 'phoenix' }, c.handler);
    await c.until(() => new Set(ids(c.seen)).size >= published.length, 30_000, 'delivery by a new consumer');
    const later = events(['room-a', 'room-b'], 10);
    await publisher.publish(later);
    await c.until(() => new Set(ids(c.seen)).size >= published.length + later.length, 20_000, 'delivery after the restart');
    expect(sockets.dropped()).toBe(2);
    expect(new Set(ids(c.seen))).toEqual(new Set(ids([...published, ...later])));
  }, 60_000);

  it('closes at once while its consumer keeps being given up and started again', async () => {
    const sockets = socketsDroppingFindCoordinator(Number.POSITIVE_INFINITY);
    const bus = openBus(freshTopic(), { socketFactory: sockets });
    const c = collector();
    await bus.subscribe({ group: 'never-joins' }, c.handler);
    while (sockets.dropped() < 3) await new Promise((r) => setTimeout(r, 50));
    const closing = Date.now();
    await bus.close();
    expect(Date.now() - closing).toBeLessThan(5_000);
    const droppedAtClose = sockets.dropped();
    await new Promise((r) => setTimeout(r, 1_500)); // longer than the next restart's delay
    expect(sockets.dropped()).toBe(droppedAtClose);
    expect(c.seen).toEqual([]);
  }, 60_000);
});

describe('kafka bus across a broker restart', () => {
  // A private broker (own data dir and ports), so stopping it disturbs nobody else's tests.
  const env = {
    ...process.env,
    PARLEY_KAFKA_HOME: fileURLToPath(new URL('../../../.services/kafka-restart-spec', import.meta.url)),
    PARLEY_KAFKA_PORT: '29192',
    PARLEY_KAFKA_CONTROLLER_PORT: '29193',
  };
  const service = (cmd: string) => execFileSync('bash', [script, cmd], { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  afterAll(() => service('stop'));

  it('publishes and delivers through a stop and start of the broker, losing nothing acknowledged', async () => {
    service('start');
    const bus = kafkaBus({ brokers: ['127.0.0.1:29192'], clientId: 'restart-spec', topic: `restart-${randomUUID()}`, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
    const c = collector();
    await bus.subscribe({ group: 'survivor' }, c.handler);
    const revisions = new Map<string, number>();
    const before = events(['room-a', 'room-b'], 40, revisions);
    await bus.publish(before);
    await c.until(() => c.seen.length >= before.length);

    service('stop');
    const during = events(['room-a', 'room-b'], 40, revisions);
    // Published while the broker is down: kafkajs keeps retrying until it is back.
    const publishing = bus.publish(during);
    await new Promise((r) => setTimeout(r, 1000));
    service('start');
    await publishing;
    const after = events(['room-a', 'room-b'], 40, revisions);
    await bus.publish(after);

    const all = [...before, ...during, ...after];
    await c.until(() => new Set(ids(c.seen)).size >= all.length, 90_000, 'delivery after the restart');
    expect(new Set(ids(c.seen))).toEqual(new Set(ids(all)));
    for (const room of ['room-a', 'room-b']) {
      // At-least-once: what was not yet committed may come again after the restart, but every
      // event seen for the first time is the next one of its room: no gap, no reordering.
      const revs = c.seen.filter((e) => e.stream === room).map((e) => e.revision);
      let highest = -1;
      const firstSeen: number[] = [];
      for (const r of revs) {
        if (r > highest) {
          firstSeen.push(r);
          highest = r;
        }
      }
      expect(firstSeen).toEqual(Array.from({ length: 60 }, (_, i) => i));
    }
    await bus.close(); // while its broker still runs
  }, 240_000);
});
