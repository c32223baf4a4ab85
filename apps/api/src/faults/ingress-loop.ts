import http from 'node:http';
import { httpRequest, type HttpReply } from '../testing/http-request.js';

/*
 * A small ingress load generator, run as its own process by the cluster fault specs:
 *   node --import tsx apps/api/src/faults/ingress-loop.ts '{"targets":[...],"room":"…","apiKey":"…","count":1000,"rate":200,"prefix":"k"}'
 * Sends `count` messages (`<prefix>-<i>`) at `rate` per second, round robin over the api nodes,
 * each with `Idempotency-Key: <prefix>-<i>` and its own `X-Forwarded-For` address (the nodes run
 * with PARLEY_TRUST_PROXY=1, so the per-IP limit does not cap the load). A request that fails
 * (connection refused or reset, 5xx) is retried on the next node with the same key, as a webhook
 * sender would, for up to 60 s. Prints `ack <i>` for each 202 `queued`, then `retried <n>` (requests sent again after a failure) and `failed <n>`.
 */

interface Options {
  targets: string[];
  room: string;
  apiKey: string;
  count: number;
  rate: number;
  prefix: string;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const agents = options.targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 64 }));
const RETRY_FOR_MS = 60_000;

function post(target: number, i: number): Promise<HttpReply> {
  const body = JSON.stringify({ type: 'chat', payload: { text: `${options.prefix}-${i}` }, meta: { i, sentAt: Date.now() } });
  return httpRequest(`${options.targets[target]}/rooms/${options.room}/ingress`, body, {
    agent: agents[target],
    timeoutMs: 10_000,
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      'idempotency-key': `${options.prefix}-${i}`,
      'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    },
  });
}

let failed = 0;
let retried = 0;
async function send(i: number): Promise<void> {
  const start = Date.now();
  let target = i % options.targets.length;
  for (;;) {
    try {
      const answer = await post(target, i);
      if (answer.status === 202 && answer.text === 'queued') {
        process.stdout.write(`ack ${i}\n`);
        return;
      }
      if (answer.status < 500) {
        process.stderr.write(`message ${i}: ${answer.status} ${answer.text}\n`);
        failed++;
        return;
      }
    } catch {
      // the node is down or went down mid-request: not acknowledged, retry elsewhere
    }
    if (Date.now() - start > RETRY_FOR_MS) {
      failed++;
      return;
    }
    retried++;
    target = (target + 1) % options.targets.length;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const inFlight = new Set<Promise<void>>();
const started = Date.now();
for (let i = 0; i < options.count; i++) {
  // Open loop: message i leaves at i / rate seconds, however slow the answers are.
  const due = started + (i * 1000) / options.rate;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const p = send(i).finally(() => inFlight.delete(p));
  inFlight.add(p);
}
await Promise.all(inFlight);
process.stdout.write(`retried ${retried}\nfailed ${failed}\n`);
for (const agent of agents) agent.destroy();
