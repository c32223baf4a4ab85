import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

/*
 * The benchmark's WebSocket viewers, in a process of their own that keeps only numbers.
 *
 * Kept in the benchmark's own process, viewers that retain every frame made that process the
 * slowest part of the measurement: with a quarter of a million frames held, its young-generation
 * collections took 10–34 ms each (`--trace-gc` on the cluster probe), and every frame arriving
 * meanwhile was counted as that much later. Here each frame leaves four numbers in one flat array
 * (no object per frame) and is dropped.
 *
 * Parent side: `const viewers = await startLatencyViewers(list)`, then after each run
 * `await viewers.collect(runStartedAt)` (latencies) or `viewers.samples(runStartedAt)` (every field).
 */

export interface ViewerSpec {
  url: string;
  room: string;
  token: string;
}

type Request = { type: 'open'; viewers: ViewerSpec[] } | { type: 'collect'; since: number } | { type: 'close' };
/** One received frame: `meta.sentAt`, its arrival (Date.now()), `meta.request` (−1 when absent) and the frame's `ts`. */
export interface Sample {
  sentAt: number;
  receivedAt: number;
  request: number;
  ts: number;
}
const FIELDS = 4;
type Reply = { type: 'opened' } | { type: 'failed'; message: string } | { type: 'samples'; flat: number[] };

/** Parent side: forks the viewers' process and opens every viewer; resolves once all have their `hello`. */
export async function startLatencyViewers(viewers: ViewerSpec[]) {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`latency viewers exited ${code}`));
      child.once('exit', onExit);
      child.once('message', (reply) => {
        child.off('exit', onExit);
        resolve(reply as Reply);
      });
    });
  const ask = async (request: Request) => {
    const reply = next();
    child.send(request);
    const answer = await reply;
    if (answer.type === 'failed') throw new Error(`latency viewers: ${answer.message}`);
    return answer;
  };
  try {
    await ask({ type: 'open', viewers });
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    /** Every frame received since the last collect whose `meta.sentAt` is at or after `since`. */
    async samples(since: number): Promise<Sample[]> {
      const answer = await ask({ type: 'collect', since });
      const flat = answer.type === 'samples' ? answer.flat : [];
      const out: Sample[] = [];
      for (let i = 0; i < flat.length; i += FIELDS) out.push({ sentAt: flat[i]!, receivedAt: flat[i + 1]!, request: flat[i + 2]!, ts: flat[i + 3]! });
      return out;
    },
    /** Latencies (ms) of every frame received since the last collect whose `meta.sentAt` is at or after `since`. */
    async collect(since: number): Promise<number[]> {
      return (await this.samples(since)).map((s) => s.receivedAt - s.sentAt);
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'close' } satisfies Request);
      });
    },
  };
}

/** Child side: each frame's Sample fields, as numbers in one plain array: nothing else survives a frame. */
function runViewers(): void {
  const sockets: WebSocket[] = [];
  let flat: number[] = [];
  const reply = (message: Reply) => process.send!(message);

  const open = (spec: ViewerSpec) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${spec.url.replace('http', 'ws')}/ws?room=${spec.room}&token=${spec.token}`, { perMessageDeflate: false });
      sockets.push(ws);
      ws.on('message', (data) => {
        const receivedAt = Date.now();
        const frame = JSON.parse(data.toString()) as { t?: string; ts?: unknown; meta?: { sentAt?: unknown; request?: unknown } };
        if (frame.t === 'hello') return resolve();
        const sentAt = frame.meta?.sentAt;
        const request = frame.meta?.request;
        if (frame.t === 'msg' && typeof sentAt === 'number') flat.push(sentAt, receivedAt, typeof request === 'number' ? request : -1, typeof frame.ts === 'number' ? frame.ts : NaN);
      });
      // A refused upgrade says which node refused and why (the stream-rooms error body), not only its status.
      ws.once('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk.slice(0, 500 - body.length)));
        response.on('end', () => reject(new Error(`viewer of ${spec.room} on ${spec.url} refused: ${response.statusCode} ${body}`)));
        response.on('error', () => reject(new Error(`viewer of ${spec.room} on ${spec.url} refused: ${response.statusCode}`)));
        request.on('error', () => undefined);
      });
      ws.once('error', reject);
      ws.once('close', () => reject(new Error(`viewer of ${spec.room} on ${spec.url} closed`)));
    });

  process.on('disconnect', () => process.exit(0)); // the benchmark is gone: nothing left to report to
  process.on('message', (request: Request) => {
    if (request.type === 'open') {
      Promise.all(request.viewers.map(open)).then(
        () => reply({ type: 'opened' }),
        (error: Error) => reply({ type: 'failed', message: error.message }),
      );
    } else if (request.type === 'collect') {
      const kept: number[] = [];
      for (let i = 0; i < flat.length; i += FIELDS) if (flat[i]! >= request.since) kept.push(...flat.slice(i, i + FIELDS));
      flat = [];
      reply({ type: 'samples', flat: kept });
    } else {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runViewers();
