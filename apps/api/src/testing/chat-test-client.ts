import WebSocket from 'ws';
import { until } from './until.js';

// Specs that wait on their sockets import it from here too.
export { until } from './until.js';

/**
 * Test helper (e2e specs only): a real WebSocket client on `/ws` that records the frames it
 * gets, and the HTTP status of a refused upgrade.
 */

export interface Frame {
  t: string;
  [field: string]: any;
}

export interface ChatSocket {
  frames: Frame[];
  /** Every frame's text as it came over the wire. */
  raw: string[];
  of(t: string): Frame[];
  waitFor(check: (frames: Frame[]) => boolean, what: string, ms?: number): Promise<void>;
  send(frame: unknown): void;
  close(): Promise<void>;
  /** Resolves with the close code once the server (or we) closed the socket; given `ms`, with `'still open'` if it did not close by then. */
  closedWith(ms?: number): Promise<number | 'still open'>;
  isOpen(): boolean;
}

export const chatSocketUrl = (baseUrl: string, query: Record<string, string>): string => `${baseUrl.replace(/^http/, 'ws')}/ws?${new URLSearchParams(query)}`;

/**
 * Opens a socket; resolves once the `hello` frame arrived, rejects with `{ status, body }` when the
 * upgrade is refused. `localAddress` binds the client (another 127.x address is another client IP);
 * `waitMs` is how long the wait for `hello` and, by default, each `waitFor` may take.
 */
export function openChatSocket(url: string, options: { localAddress?: string; waitMs?: number } = {}): Promise<ChatSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.localAddress ? { localAddress: options.localAddress } : {});
    const frames: Frame[] = [];
    const raw: string[] = [];
    const closedCode = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    const closed = closedCode.then(() => undefined);
    ws.on('message', (data) => {
      const text = data.toString();
      raw.push(text);
      frames.push(JSON.parse(text) as Frame);
    });
    const socket: ChatSocket = {
      frames,
      raw,
      of: (t) => frames.filter((f) => f.t === t),
      waitFor: (check, what, ms = options.waitMs) => until(() => check(frames), what, ms),
      send: (frame) => ws.send(JSON.stringify(frame)),
      close: async () => {
        ws.close();
        await closed;
      },
      closedWith: (ms) => (ms === undefined ? closedCode : Promise.race([closedCode, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))])),
      isOpen: () => ws.readyState === WebSocket.OPEN,
    };
    ws.once('open', () => until(() => frames.some((f) => f.t === 'hello'), 'hello', options.waitMs).then(() => resolve(socket), reject));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

/** The HTTP status a refused upgrade answered (fails the test when the upgrade succeeds). */
export async function refusedStatus(url: string): Promise<number> {
  try {
    const socket = await openChatSocket(url);
    await socket.close();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined) return status;
    throw error;
  }
  throw new Error(`the upgrade to ${url} was accepted`);
}
