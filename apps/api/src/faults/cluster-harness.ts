import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { TokenService } from '@parley/infra/auth';
import { clusterNodeArgs, embeddedNodeArgs, profilingFlags, type ClusterRole } from '../../../../scripts/cluster-node.mjs';

/*
 * Test harness for the cluster profile: real processes (`node --import tsx <entry>`), each with
 * its own data dir and port, sharing one JWT secret, one PostgreSQL schema and one Kafka topic of
 * their own (so concurrent suites never see each other's events).
 */

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** Where scripts/services/ keep the services' data and pid files (as scripts/services/lib.sh says). */
export const servicesDir = process.env.PARLEY_SERVICES_DIR ?? join(repoRoot, '.services');

export type Role = ClusterRole | 'embedded';

/** `node` arguments for a process of `role`, with PARLEY_NODE_FLAGS (scripts/cluster-node.mjs). */
function nodeArgs(role: Role): string[] {
  const flags = profilingFlags();
  return role === 'embedded' ? embeddedNodeArgs(repoRoot, flags) : clusterNodeArgs(repoRoot, role, flags);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One process of the cluster; keeps its name, port and data dir across restarts. */
export class ClusterProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  readonly url: string;
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = join(dataDir, '..', `${name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process and waits until `/readyz` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, nodeArgs(this.role), {
      cwd: repoRoot,
      env: { ...process.env, ...this.env, PORT: String(this.port), PARLEY_DATA_DIR: this.dataDir, PARLEY_NODE_ID: this.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited during start-up:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/readyz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends the signal and waits for the exit (SIGKILL: `kill -9`, nothing runs after it). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const hardStop = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(hardStop);
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** The last lines of this process's log (stdout and stderr, every start of it). */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/**
 * For a test that failed: the last lines of every process's log, one block each. The assertion
 * says what went wrong; the processes' own lines (a fatal error, a restart) often say why.
 */
export const logTails = (processes: ReadonlyArray<Pick<ClusterProcess, 'name' | 'logFile' | 'tail'>>, lines = 40): string =>
  processes.map((p) => `----- ${p.name}: last ${lines} lines of ${p.logFile}\n${p.tail(lines)}`).join('\n');

/** An `afterEach` hook that prints `logTails` when the test that just ran failed. */
export const printLogTailsOnFailure =
  (cluster: () => TestCluster | undefined) =>
  ({ task }: { task: { name: string; result?: { state?: string } } }): void => {
    const c = cluster();
    if (c && task.result?.state === 'fail') console.error(`cluster logs after the failure of "${task.name}":\n${logTails(c.all())}`);
  };

export interface TestClusterOptions {
  apis?: number;
  fanouts?: number;
  projector?: boolean;
  /** Default: the shared broker of scripts/services/kafka.sh. */
  kafkaBrokers?: string;
  databaseUrl?: string;
  clickhouseUrl?: string;
  /**
   * How often each fan-out node records its viewers in ClickHouse (ms). Default: the nodes' own
   * (`PARLEY_VIEWER_SAMPLE_MS`, 10 s), as `npm run cluster` runs them; a test that reads the samples
   * asks for less so that it need not wait.
   */
  viewerSampleMs?: number;
}

export interface TestCluster {
  apis: ClusterProcess[];
  fanouts: ClusterProcess[];
  relay: ClusterProcess;
  projector: ClusterProcess | null;
  /** The projector's ClickHouse server URL and database (null without a projector). */
  clickhouse: { url: string; database: string } | null;
  all(): ClusterProcess[];
  /** What every process got in its environment (schema, topic, secret…). */
  env: Record<string, string>;
  /** An identity token for `provider:id`, signed with the cluster's secret. */
  identity(sub: string): Promise<string>;
  /** Kills every process and drops the test's schema. */
  stop(): Promise<void>;
}

/**
 * Starts a relay, `apis` api nodes, `fanouts` fan-out nodes (and a projector when asked) against
 * a fresh schema and topic. Ingress trusts `X-Forwarded-For` (PARLEY_TRUST_PROXY=1) so a load
 * generator can spread its requests over many client addresses instead of hitting the per-IP limit.
 */
/** Starts a shared service through its script (idempotent: a no-op when it already runs). */
export function ensureService(name: 'postgres' | 'kafka' | 'clickhouse'): void {
  execFileSync('bash', [join(repoRoot, 'scripts/services', `${name}.sh`), 'start'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  if (!options.databaseUrl) ensureService('postgres');
  if (!options.kafkaBrokers) ensureService('kafka');
  if (options.projector && !options.clickhouseUrl) ensureService('clickhouse');
  const id = randomBytes(5).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const secret = randomBytes(48).toString('base64url');
  const databaseUrl = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:25432/parley';
  const env: Record<string, string> = {
    PARLEY_PROFILE: 'cluster',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PARLEY_JWT_SECRET: secret,
    PARLEY_ADMINS: 'discord:admin',
    PARLEY_TRUST_PROXY: '1',
    DATABASE_URL: databaseUrl,
    PARLEY_PG_SCHEMA: `cluster_e2e_${id}`,
    KAFKA_BROKERS: options.kafkaBrokers ?? '127.0.0.1:29092',
    PARLEY_KAFKA_TOPIC: `parley.cluster-e2e.${id}`,
    PARLEY_KAFKA_PARTITIONS: '4',
    // A killed member's partitions move on within seconds, not the default 10.
    PARLEY_KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const make = async (name: string, role: Role, extra: Record<string, string> = {}, port?: number) =>
    new ClusterProcess(name, role, port ?? (await freePort()), join(dir, name), { ...env, ...extra });

  const clickhouse = options.projector ? { url: options.clickhouseUrl ?? 'http://127.0.0.1:28123', database: `cluster_e2e_${id}` } : null;
  const clickhouseEnv: Record<string, string> = clickhouse ? { CLICKHOUSE_URL: `${clickhouse.url}/${clickhouse.database}` } : {};
  const relay = await make('relay', 'relay');
  // Api nodes read the admin analytics (query only); the projector app alone writes them.
  // Fan-out nodes record their viewer counts in ClickHouse (admin viewer stats); they project nothing.
  const fanoutEnv: Record<string, string> = clickhouse ? { ...clickhouseEnv, PARLEY_CLICKHOUSE_ROLE: 'query', ...(options.viewerSampleMs ? { PARLEY_VIEWER_SAMPLE_MS: String(options.viewerSampleMs) } : {}) } : {};
  // Each fan-out node asks the others for their viewers (max_viewers and presence count the whole room).
  const fanoutPorts = await Promise.all(Array.from({ length: options.fanouts ?? 2 }, () => freePort()));
  const peersOf = (i: number) => fanoutPorts.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`).join(',');
  const fanouts = await Promise.all(fanoutPorts.map((port, i) => make(`fanout-${i + 1}`, 'fanout', { ...fanoutEnv, PARLEY_FANOUT_PEERS: peersOf(i) }, port)));
  // Api nodes count the fan-out nodes' viewers for `online`.
  const apiEnv: Record<string, string> = { ...(clickhouse ? { ...clickhouseEnv, PARLEY_CLICKHOUSE_ROLE: 'query' } : {}), PARLEY_FANOUT_URLS: fanouts.map((f) => f.url).join(',') };
  const apis = await Promise.all(Array.from({ length: options.apis ?? 2 }, (_, i) => make(`api-${i + 1}`, 'api', apiEnv)));
  const projector = clickhouse ? await make('projector', 'projector', clickhouseEnv) : null;
  const all = () => [relay, ...apis, ...fanouts, ...(projector ? [projector] : [])];

  const tokens = new TokenService(secret);
  const cluster: TestCluster = {
    apis,
    fanouts,
    relay,
    projector,
    clickhouse,
    all,
    env,
    identity: (sub) => tokens.issueIdentity(sub, 3600),
    async stop() {
      // With PARLEY_NODE_FLAGS (profiling), a clean stop lets Node write its profiles at exit.
      await Promise.all(all().map((p) => p.kill(process.env.PARLEY_NODE_FLAGS ? 'SIGTERM' : 'SIGKILL')));
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${env.PARLEY_PG_SCHEMA}" CASCADE`).catch(() => undefined);
      await client.end();
      const admin = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'cluster-e2e-cleanup', logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
      await admin
        .connect()
        .then(() => admin.deleteTopics({ topics: [env.PARLEY_KAFKA_TOPIC!], timeout: 5000 }))
        .catch(() => undefined)
        .finally(() => admin.disconnect());
      if (clickhouse) await fetch(`${clickhouse.url}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${clickhouse.database}`)}`, { method: 'POST' }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // The relay first (it creates the topic), then the rest in parallel (start-up is mostly tsx and CPU).
    await relay.start();
    await Promise.all([...apis, ...fanouts, ...(projector ? [projector] : [])].map((p) => p.start()));
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw error;
  }
  return cluster;
}

/** The embedded profile (one process, SQLite) set up like a test cluster's nodes, for comparisons. */
export async function startEmbedded(): Promise<{ node: ClusterProcess; identity(sub: string): Promise<string>; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-embedded-'));
  const secret = randomBytes(48).toString('base64url');
  const node = new ClusterProcess('embedded', 'embedded', await freePort(), join(dir, 'embedded'), {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PARLEY_JWT_SECRET: secret,
    PARLEY_TRUST_PROXY: '1',
  });
  await node.start();
  const tokens = new TokenService(secret);
  return {
    node,
    identity: (sub) => tokens.issueIdentity(sub, 3600),
    async stop() {
      await node.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP against one node; answers status and parsed body. */
export async function call(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text answer (ingress)
  }
  return { status: res.status, body: parsed };
}

export interface Room {
  room: string;
  apiKey: string;
  /** A room token for a viewer (minted with the API key on the given api node). */
  viewerToken(base: string, user: string): Promise<string>;
}

export async function createRoom(base: string, ownerToken: string, name: string, settings: Record<string, unknown> = {}): Promise<Room> {
  const created = await call(base, 'POST', '/rooms', ownerToken, { name, ...settings });
  if (created.status !== 201 && created.status !== 200) throw new Error(`POST /rooms answered ${created.status}: ${JSON.stringify(created.body)}`);
  const { room, api_key: apiKey } = created.body as { room: string; api_key: string };
  return {
    room,
    apiKey,
    async viewerToken(at, user) {
      const minted = await call(at, 'POST', `/rooms/${room}/tokens`, apiKey, { user_id: user, display_name: user });
      if (minted.status !== 200 && minted.status !== 201) throw new Error(`token mint answered ${minted.status}: ${JSON.stringify(minted.body)}`);
      return (minted.body as { token: string }).token;
    },
  };
}

/**
 * A WebSocket viewer that reconnects by itself with `since=<highest seq seen>` when its
 * connection drops (as a real client would), and keeps every `msg` frame it received.
 */
export class Viewer {
  readonly msgs: MsgFrame[] = [];
  /** Date.now() at the arrival of each of `msgs`. */
  readonly receivedAt: number[] = [];
  readonly resyncs: ServerFrame[] = [];
  lastSeq = -1;
  connections = 0;
  private ws: WebSocket | null = null;
  private closed = false;

  constructor(
    private readonly base: string,
    private readonly room: string,
    private readonly token: string,
  ) {}

  /** Connects and resolves on the `hello` frame. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const since = this.connections > 0 ? `&since=${this.lastSeq}` : '';
      const ws = new WebSocket(`${this.base.replace('http', 'ws')}/ws?room=${this.room}&token=${this.token}${since}`);
      this.ws = ws;
      let hello = false;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as ServerFrame;
        if (frame.t === 'hello') {
          if (!hello) {
            hello = true;
            this.connections++;
            if (this.connections === 1) this.lastSeq = frame.seq;
            resolve();
          }
          return;
        }
        if (frame.t === 'resync') this.resyncs.push(frame);
        if (frame.t === 'msg') {
          this.msgs.push(frame);
          this.receivedAt.push(Date.now());
        }
        if ('seq' in frame && typeof frame.seq === 'number' && frame.t !== 'presence') this.lastSeq = Math.max(this.lastSeq, frame.seq);
      });
      ws.once('error', (err) => {
        if (!hello) reject(err);
      });
      ws.once('close', () => {
        if (!hello) return reject(new Error('closed before hello'));
        if (!this.closed) void this.reconnect();
      });
    });
  }

  private async reconnect(): Promise<void> {
    while (!this.closed) {
      await new Promise((r) => setTimeout(r, 200));
      try {
        await this.open();
        return;
      } catch {
        // the node is still down: try again
      }
    }
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}

/** Starts the ingress loop as its own process (see ingress-loop.ts) and resolves with its acknowledged message indexes. */
export function runIngressLoop(options: { targets: string[]; room: string; apiKey: string; count: number; rate: number; prefix: string }): {
  acked: Set<number>;
  done: Promise<{ acked: Set<number>; failed: number; retried: number }>;
} {
  const acked = new Set<number>();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'apps/api/src/faults/ingress-loop.ts'), JSON.stringify(options)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let failed = 0;
  let retried = 0;
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const [kind, value] = line.split(' ');
      if (kind === 'ack') acked.add(Number(value));
      else if (kind === 'failed') failed = Number(value);
      else if (kind === 'retried') retried = Number(value);
    }
  });
  child.stderr!.on('data', (c) => (stderr += String(c)));
  const done = new Promise<{ acked: Set<number>; failed: number; retried: number }>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve({ acked, failed, retried }) : reject(new Error(`ingress loop exited ${code}: ${stderr}`))));
  });
  return { acked, done };
}

/**
 * Checks one viewer against the acknowledged messages: after deduplication by message id, every
 * acknowledged text is there exactly once, and the seqs it saw have no gap. Returns the texts in
 * the order received (ids deduplicated).
 */
export function deliveredInOrder(viewer: Viewer): { texts: string[]; seqs: number[]; duplicates: number } {
  const seen = new Set<string>();
  const texts: string[] = [];
  const seqs: number[] = [];
  for (const m of viewer.msgs) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    texts.push(String(m.payload.text));
    seqs.push(m.seq);
  }
  return { texts, seqs, duplicates: viewer.msgs.length - texts.length };
}

/** Positions where consecutive seqs are not consecutive numbers (the room has only messages after its creation). */
export function seqGaps(seqs: readonly number[]): string[] {
  const gaps: string[] = [];
  for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1]! + 1) gaps.push(`${seqs[i - 1]}→${seqs[i]}`);
  return gaps;
}
