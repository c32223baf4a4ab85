/**
 * Load client for the fan-out benchmarks (run as a child process): opens N raw WebSocket
 * connections and counts the frames it receives by reading frame headers only (no JSON parse),
 * so the client stays lighter than the server it measures. Reports counts over IPC.
 */
import net from 'node:net';

const [port = '0', path = '/ws', countText = '1'] = process.argv.slice(2);
const count = Number(countText);
let frames = 0;
let open = 0;
let closed = 0;

function counter(socket: net.Socket): void {
  let pending = Buffer.alloc(0);
  let skip = 0; // payload bytes of the current frame still to skip
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    let buf = chunk;
    if (!upgraded) {
      pending = Buffer.concat([pending, buf]);
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      open++;
      buf = pending.subarray(end + 4);
      pending = Buffer.alloc(0);
    }
    if (pending.length) {
      buf = Buffer.concat([pending, buf]);
      pending = Buffer.alloc(0);
    }
    let off = 0;
    while (off < buf.length) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length - off);
        skip -= n;
        off += n;
        continue;
      }
      if (buf.length - off < 2) break;
      let len = buf[off + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        head = 10;
      }
      if ((buf[off]! & 0x0f) === 0x1) frames++;
      off += head;
      skip = len;
    }
    if (off < buf.length) pending = Buffer.from(buf.subarray(off));
  });
  socket.on('close', () => closed++);
  socket.on('error', () => undefined);
}

async function main() {
  for (let i = 0; i < count; i++) {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.setNoDelay(true);
    socket.write(
      `GET ${path.replace('{i}', String(process.pid * 100000 + i))} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    counter(socket);
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
  }
  const report = () => process.send?.({ frames, open, closed });
  setInterval(report, 200);
  process.on('message', (m) => {
    if (m === 'report') report();
    if (m === 'exit') process.exit(0);
  });
}

void main();
