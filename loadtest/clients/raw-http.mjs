// A lean HTTP/1.1 keep-alive client for load generation: one request at a time per connection,
// the request written as one string, the response parsed only as far as its status and length.
// Node's http client spends ~10x more CPU per request, and on a 2-core machine the load
// generator's CPU is taken from the server being measured.

import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

class Connection {
  constructor(pool) {
    this.pool = pool;
    this.socket = null;
    this.pending = null; // { resolve }
    this.buffer = Buffer.alloc(0);
  }

  send(head, body, resolve) {
    if (!this.socket) this.open();
    this.pending = { resolve };
    this.socket.write(body ? head + body : head);
  }

  open() {
    const socket = net.connect({ host: this.pool.host, port: this.pool.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.buffer = Buffer.alloc(0);
      socket.destroy();
      const pending = this.pending;
      this.pending = null;
      // An idle connection the server closed stays in the idle list and reconnects on its next
      // request; only a busy one goes back (releasing an idle one would list it twice).
      if (pending) {
        pending.resolve({ status: 0, error: error?.code ?? error?.message ?? 'closed' });
        this.pool.release(this);
      }
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    // A request without an answer for 30 s fails instead of holding its lane forever.
    socket.setTimeout(30_000, () => this.pending && fail(new Error('timeout')));
    this.socket = socket;
  }

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let total;
    if (lengthMatch) total = end + 4 + Number(lengthMatch[1]);
    else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const last = this.buffer.indexOf(CHUNKED_END, end);
      if (last < 0) return;
      total = last + CHUNKED_END.length;
    } else total = end + 4; // no body (e.g. 204)
    if (this.buffer.length < total) return;
    const body = this.pool.withBody && lengthMatch ? this.buffer.toString('utf8', end + 4, total) : undefined;
    this.buffer = this.buffer.length > total ? this.buffer.subarray(total) : Buffer.alloc(0);
    const pending = this.pending;
    this.pending = null;
    this.pool.release(this);
    pending?.resolve(body === undefined ? { status } : { status, body });
  }

  close() {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }
}

export class RawHttpPool {
  /**
   * `size` connections at most, each carrying one request at a time; more requests wait in order.
   * `withBody`: answers with a content-length also carry their body as a string.
   */
  constructor({ host, port, size, withBody = false }) {
    this.host = host;
    this.withBody = withBody;
    this.port = Number(port);
    this.hostHeader = `${host}:${port}`;
    this.connections = Array.from({ length: size }, () => new Connection(this));
    this.idle = [...this.connections];
    this.waiting = [];
  }

  /** Resolves `{ status[, body] }` (0 with `error` when the connection failed); never rejects. */
  request(method, path, headers, body = '') {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += '\r\n';
    return new Promise((resolve) => {
      const connection = this.idle.pop();
      if (connection) connection.send(head, body, resolve);
      else this.waiting.push([head, body, resolve]);
    });
  }

  release(connection) {
    const next = this.waiting.shift();
    if (next) connection.send(next[0], next[1], next[2]);
    else this.idle.push(connection);
  }

  close() {
    this.waiting = [];
    for (const c of this.connections) c.close();
  }
}
