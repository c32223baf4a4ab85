import { z } from 'zod';

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

/** The environment, validated once at start-up. Names are stable (see DESIGN.md, Conventions). */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /**
   * A second port that serves `/ws` from a network thread of its own (unset: none). The main
   * thread still decides everything; the thread holds these sockets and does their sending, so a
   * node with many viewers sends on a second core. 0 takes any free port (logged at start).
   */
  PARLEY_REALTIME_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PARLEY_DATA_DIR: z.string().default('./data'),
  PARLEY_PROFILE: z.enum(['embedded', 'cluster']).default('embedded'),
  /** Identities (`provider:id`) and account usernames that are admins. */
  PARLEY_ADMINS: list('ryo'),
  /** HS256 key for Parley-issued JWTs (≥ 32 bytes). Embedded: generated once and kept in the data dir. */
  PARLEY_JWT_SECRET: z.string().min(32).optional(),
  // The cluster profile's event store and bus (PARLEY_EVENT_STORE, EVENTSTORE_URL, DATABASE_URL,
  // KAFKA_BROKERS…) are read by `clusterSettings` in cluster.ts, not here: the embedded profile
  // always runs SQLite and the in-process bus, and the cluster profile always runs Kafka.
  CLICKHOUSE_URL: z.string().optional(),
  /**
   * With CLICKHOUSE_URL: `project` (default) also writes the ClickHouse projections from the bus
   * (embedded profile); `query` only reads them (cluster api nodes: the projector app writes).
   */
  PARLEY_CLICKHOUSE_ROLE: z.enum(['project', 'query']).default('project'),
  /** With CLICKHOUSE_URL, a node serving realtime records its viewers per room this often (admin viewer stats). */
  PARLEY_VIEWER_SAMPLE_MS: z.coerce.number().int().min(50).default(10_000),
  /**
   * Cluster api nodes: least time between two reads of the store's log for the read models and the
   * room cache (ms). Each read costs the node and PostgreSQL a round trip; at 2,500 single-message
   * requests/s reading per append made 20–40 % more PostgreSQL transactions.
   */
  PARLEY_READ_MODEL_FEED_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(20),
  PARLEY_NODE_ID: z.string().default(`node-${process.pid}`),
  /** Cluster api nodes: the fan-out nodes' base URLs, asked for viewer counts (`online`). */
  PARLEY_FANOUT_URLS: list(''),
  /**
   * Cluster fan-out nodes: the other fan-out nodes' base URLs, asked for their viewer counts so
   * `max_viewers`, `hello` and `presence` count the whole room.
   */
  PARLEY_FANOUT_PEERS: list(''),
  /** Requests per minute per caller (token subject, else IP) on the stream-rooms REST surface. */
  PARLEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Requests per minute per IP on unauthenticated reads (`GET /rooms/:room/public`). */
  PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** Ingress limits of the reference (20 per user, 60 per IP, per 10 s). 0 turns one off: for load tests only. */
  PARLEY_INGRESS_PER_USER_PER_10S: z.coerce.number().int().min(0).default(20),
  PARLEY_INGRESS_PER_IP_PER_10S: z.coerce.number().int().min(0).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
