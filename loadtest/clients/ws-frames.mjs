// Minimal WebSocket framing for a counting client (RFC 6455, client side, no extensions).
// The reader never copies or decodes payloads: it walks frame headers and shows the first
// bytes of each data frame to a classifier, which is all a frame counter needs.

import { randomBytes } from 'node:crypto';

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** How many leading payload bytes the classifier gets to see (fewer if the frame is shorter). */
export const HEAD_BYTES = 24;

/** A masked client frame carrying `payload` (string or Buffer) with the given opcode. */
export function clientFrame(payload, opcode = OP_TEXT) {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = body.length;
  const extra = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = Buffer.allocUnsafe(2 + extra + 4 + len);
  out[0] = 0x80 | opcode;
  let at = 2;
  if (extra === 0) out[1] = 0x80 | len;
  else if (extra === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
    at = 4;
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
    at = 10;
  }
  const mask = randomBytes(4);
  mask.copy(out, at);
  at += 4;
  for (let i = 0; i < len; i++) out[at + i] = body[i] ^ mask[i & 3];
  return out;
}

/** The HTTP/1.1 upgrade request for `path` on `host`. */
export function upgradeRequest(host, path) {
  const key = randomBytes(16).toString('base64');
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

/**
 * Incremental frame reader. `onFrame(opcode, fin, payloadLength, buffer, start, headLength)` is
 * called once per frame as soon as its first bytes are known: min(length, HEAD_BYTES) for data
 * frames, the whole payload (≤ 125 bytes) for control frames. They sit in
 * `buffer[start..start+headLength)`, valid only during the call (a chunk or a scratch buffer).
 * `onPayloadBytes(chunk, start, end)`, if given, sees every payload byte range of data frames
 * (for adapters that must look inside frames that batch several messages), after
 * `onBegin(opcode, payloadLength)` announced the frame.
 */
export class FrameReader {
  constructor(onFrame, onPayloadBytes = null, onBegin = null) {
    this.onFrame = onFrame;
    this.onPayloadBytes = onPayloadBytes;
    this.onBegin = onBegin;
    this.header = Buffer.alloc(14);
    this.headerLength = 0;
    this.head = Buffer.alloc(125);
    this.headLength = 0;
    this.headWanted = 0;
    this.remaining = 0; // payload bytes of the current frame not yet consumed
    this.opcode = 0;
    this.fin = true;
    this.payloadLength = 0;
    this.inPayload = false;
    this.frames = 0;
  }

  /** Feed `length` bytes of `chunk` starting at `offset`. */
  push(chunk, offset, length) {
    let at = offset;
    const end = offset + length;
    while (at < end) {
      if (!this.inPayload) {
        // Fast path: the whole header is inside this chunk.
        if (this.headerLength === 0 && end - at >= 2) {
          const b1 = chunk[at + 1] & 0x7f;
          const size = b1 < 126 ? 2 : b1 === 126 ? 4 : 10;
          const masked = (chunk[at + 1] & 0x80) !== 0;
          const full = size + (masked ? 4 : 0);
          if (end - at >= full) {
            this.opcode = chunk[at] & 0x0f;
            this.fin = (chunk[at] & 0x80) !== 0;
            this.payloadLength =
              b1 < 126 ? b1 : b1 === 126 ? chunk.readUInt16BE(at + 2) : Number(chunk.readBigUInt64BE(at + 2));
            at += full;
            this.beginPayload();
            continue;
          }
        }
        // Slow path: collect header bytes one by one across chunks.
        this.header[this.headerLength++] = chunk[at++];
        if (this.headerLength >= 2) {
          const b1 = this.header[1] & 0x7f;
          const size = (b1 < 126 ? 2 : b1 === 126 ? 4 : 10) + ((this.header[1] & 0x80) !== 0 ? 4 : 0);
          if (this.headerLength === size) {
            this.opcode = this.header[0] & 0x0f;
            this.fin = (this.header[0] & 0x80) !== 0;
            this.payloadLength =
              b1 < 126 ? b1 : b1 === 126 ? this.header.readUInt16BE(2) : Number(this.header.readBigUInt64BE(2));
            this.headerLength = 0;
            this.beginPayload();
          }
        }
        continue;
      }
      // Inside a payload.
      const take = Math.min(this.remaining, end - at);
      if (this.headLength < this.headWanted) {
        const copy = Math.min(take, this.headWanted - this.headLength);
        if (this.headLength === 0 && copy === this.headWanted) {
          // Whole head in this chunk: hand the chunk slice over without copying.
          this.deliverHead(chunk, at);
        } else {
          chunk.copy(this.head, this.headLength, at, at + copy);
          this.headLength += copy;
          if (this.headLength === this.headWanted) this.deliverHead(this.head, 0);
        }
      }
      if (this.onPayloadBytes !== null && this.opcode < 8) this.onPayloadBytes(chunk, at, at + take);
      at += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endFrame();
    }
  }

  beginPayload() {
    this.remaining = this.payloadLength;
    this.headWanted = Math.min(this.payloadLength, this.opcode >= 8 ? 125 : HEAD_BYTES);
    this.headLength = 0;
    this.inPayload = true;
    if (this.onBegin !== null && this.opcode < 8) this.onBegin(this.opcode, this.payloadLength);
    if (this.headWanted === 0) this.deliverHead(this.head, 0);
    if (this.remaining === 0) this.endFrame();
  }

  deliverHead(buffer, start) {
    this.headLength = this.headWanted;
    this.frames++;
    this.onFrame(this.opcode, this.fin, this.payloadLength, buffer, start, this.headWanted);
  }

  endFrame() {
    this.inPayload = false;
    this.headLength = 0;
    this.headWanted = 0;
  }
}

/** True when `buffer[start..start+length)` begins with the bytes of `prefix` (a Buffer). */
export function startsWith(buffer, start, length, prefix) {
  if (length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buffer[start + i] !== prefix[i]) return false;
  return true;
}
