import net from 'node:net';

/**
 * A bare TCP WebSocket client for backpressure tests: it completes the upgrade and then stops
 * reading, so everything the server sends piles up in the kernel and in uWS. `readAll` later
 * resumes reading and parses the (unmasked) server frames.
 */
export interface RawWs {
  socket: net.Socket;
  /** Resumes reading and resolves with the text frames and the close code once the server closes. */
  readAll(ms: number): Promise<{ texts: number; closeCode: number | null; closeReason: string }>;
}

export function openRawWs(port: number, path: string): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once('error', reject);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) return reject(new Error(`upgrade refused: ${status}`));
      const rest = head.subarray(end + 4);
      resolve({ socket, readAll: (ms) => readFrames(socket, rest, ms) });
    };
    socket.on('data', onData);
  });
}

function readFrames(socket: net.Socket, initial: Buffer, ms: number): Promise<{ texts: number; closeCode: number | null; closeReason: string }> {
  return new Promise((resolve, reject) => {
    let buf = initial;
    let texts = 0;
    const timer = setTimeout(() => reject(new Error(`no close frame within ${ms} ms (${texts} frames read)`)), ms);
    const parse = () => {
      for (;;) {
        if (buf.length < 2) return;
        const opcode = buf[0]! & 0x0f;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x1) texts++;
        if (opcode === 0x8) {
          clearTimeout(timer);
          socket.destroy();
          resolve({ texts, closeCode: payload.length >= 2 ? payload.readUInt16BE(0) : null, closeReason: payload.subarray(2).toString() });
          return;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      parse();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ texts, closeCode: null, closeReason: 'connection closed without a close frame' });
    });
    parse();
    socket.resume();
  });
}
