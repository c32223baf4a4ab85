import { RawHttpPool } from '../../../../loadtest/clients/raw-http.mjs';

/*
 * The benchmark's ingress load generator (its own process, so it does not share a core with the
 * receivers). `closed`: `connections` keep-alive connections each send the next request as soon as
 * the last is answered (the ceiling). `open`: `rate` requests per second on a fixed schedule,
 * whatever the answers (latency at a given rate). Requests go round robin over targets and rooms,
 * each with its own `X-Forwarded-For` (the server runs with PARLEY_TRUST_PROXY=1) and
 * `meta.sentAt` (ms epoch) for the receivers. With `batch` > 1 each request carries that many
 * messages to `/ingress/batch`, and `accepted` counts the messages answered `queued`. Prints one
 * JSON summary line. Requests go out through loadtest's lean raw HTTP client: Node's own spends
 * about ten times the CPU per request, and at one message per request on two cores that CPU was
 * the load generator's ceiling (2,891 msgs/s against wrk's 7,380 on the same cluster).
 *
 *   node --import tsx apps/api/src/faults/ingress-load.ts '{"mode":"closed","targets":[…],"rooms":[{"room":"…","apiKey":"…"}],"connections":128,"seconds":15}'
 */

interface Options {
  mode: 'closed' | 'open';
  targets: string[];
  rooms: Array<{ room: string; apiKey: string }>;
  seconds: number;
  connections?: number;
  rate?: number;
  /** Not counted (closed loop): lets connections and caches warm up. */
  warmupSeconds?: number;
  /** Messages per request: 1 (default) uses `/ingress`; more use `/ingress/batch` (one durable append each). */
  batch?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const maxSockets = Math.max(1, Math.ceil((options.connections ?? 256) / options.targets.length));
const pools = options.targets.map((t) => {
  const url = new URL(t);
  return new RawHttpPool({ host: url.hostname, port: url.port, size: maxSockets, withBody: true });
});
const statuses = new Map<number, number>();
let counter = 0;
let counting = false;
let accepted = 0;
let errors = 0;
const batch = Math.max(1, options.batch ?? 1);
const queuedIn = (answer: string): number => (JSON.parse(answer) as { results: string[] }).results.filter((r) => r === 'queued').length;

async function send(): Promise<void> {
  const i = counter++;
  const target = i % pools.length;
  const { room, apiKey } = options.rooms[i % options.rooms.length]!;
  const sentAt = Date.now();
  const message = (k: number) => ({ type: 'chat', payload: { text: `load ${i}.${k}` }, meta: { sentAt } });
  const body = batch === 1 ? JSON.stringify(message(0)) : JSON.stringify({ messages: Array.from({ length: batch }, (_, k) => message(k)) });
  const answer = await pools[target]!.request('POST', batch === 1 ? `/rooms/${room}/ingress` : `/rooms/${room}/ingress/batch`, {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  }, body);
  if (!counting) return;
  if (answer.status === 0) {
    errors++;
    return;
  }
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  if (answer.status === 202) accepted += batch === 1 ? 1 : queuedIn(answer.body ?? '{"results":[]}');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let stop = false;

if (options.mode === 'closed') {
  const loops = Array.from({ length: options.connections ?? 128 }, async () => {
    while (!stop) await send();
  });
  await sleep((options.warmupSeconds ?? 2) * 1000);
  counting = true;
  const started = performance.now();
  await sleep(options.seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  report(elapsed);
} else {
  const rate = options.rate ?? 100;
  // `rate` counts messages: with batches, one request carries `batch` of them.
  const total = Math.round((rate * options.seconds) / batch);
  const inFlight = new Set<Promise<void>>();
  counting = true;
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const wait = started + (n * 1000 * batch) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    const p = send().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  counting = false;
  report(elapsed);
}

function report(elapsed: number) {
  process.stdout.write(
    JSON.stringify({ mode: options.mode, seconds: Number(elapsed.toFixed(2)), sent: counter, accepted, acceptedPerSecond: Math.round(accepted / elapsed), statuses: Object.fromEntries(statuses), errors }) + '\n',
  );
  for (const pool of pools) pool.close();
}
