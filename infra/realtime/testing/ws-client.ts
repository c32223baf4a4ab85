import WebSocket from 'ws';
import type { ServerFrame } from '@parley/contracts/frames';
import { until } from './harness.js';

/** A real WebSocket client that records every frame it receives. */
export interface TestClient {
  ws: WebSocket;
  frames: ServerFrame[];
  closed: Promise<{ code: number; reason: string }>;
  /** Frames of one type. */
  of<T extends ServerFrame['t']>(t: T): Extract<ServerFrame, { t: T }>[];
  waitFor(check: (frames: ServerFrame[]) => boolean, ms?: number, what?: string): Promise<void>;
  send(frame: unknown): void;
  terminate(): void;
}

export function connect(url: string): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: ServerFrame[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        closed,
        of: (t) => frames.filter((f) => f.t === t) as never,
        waitFor: (check, ms, what) => until(() => check(frames), ms, what),
        send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
        terminate: () => ws.terminate(),
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}
