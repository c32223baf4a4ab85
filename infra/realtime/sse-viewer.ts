import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { sseBytesOf, type FrameEntry } from './frame-entry.js';
import type { Principal } from './principal.js';
import type { RoomState } from './room-state.js';
import { Viewer, type ViewerContext } from './viewer.js';

const keepAliveLine = Buffer.from(':\n\n');

/**
 * A viewer on a Server-Sent Events stream. Same frames as the WebSocket, as `id: <seq>` +
 * `data: <json>` events. A stream whose socket stays backed up past `sseMaxBuffered` bytes is dropped
 * (the client reconnects with `Last-Event-ID`).
 */
export class SseViewer extends Viewer {
  private stalledBytes = 0;
  private stalled = false;

  constructor(
    private readonly res: HttpResponse,
    room: RoomState,
    principal: Principal,
    ctx: ViewerContext,
    since: number | null,
    private readonly onDrop: (viewer: SseViewer) => void,
  ) {
    super(room, principal, ctx, since);
  }

  protected write(entry: FrameEntry): void {
    this.writeBytes(sseBytesOf(entry));
  }

  /** A live frame (SSE streams are not uWS topic subscribers). */
  sendLive(entry: FrameEntry): void {
    this.writeBytes(sseBytesOf(entry));
  }

  writeControl(json: Buffer, id: number | null): void {
    const head = id === null ? 'data: ' : `id: ${id}\ndata: `;
    this.writeBytes(Buffer.concat([Buffer.from(head), json, Buffer.from('\n\n')]));
  }

  buffered(): number {
    return this.stalled ? this.stalledBytes : 0;
  }

  protected subscribe(): void {
    this.room.liveSse.add(this);
  }

  cork(fn: () => void): void {
    if (!this.closed) this.res.cork(fn);
  }

  /** Keeps the stream from idling out, and learns whether a backed-up socket drained. */
  keepAlive(): void {
    this.cork(() => {
      this.writeBytes(keepAliveLine);
      if (!this.stalled && !this.live) this.pump();
    });
  }

  end(): void {
    if (this.closed) return;
    this.close();
    this.res.cork(() => this.res.end());
  }

  private writeBytes(bytes: Buffer): void {
    if (this.closed) return;
    if (this.stalled) {
      this.stalledBytes += bytes.length;
      if (this.stalledBytes > this.ctx.limits.sseMaxBuffered) {
        this.ctx.metrics.sseDropped++;
        this.onDrop(this);
        return;
      }
    }
    const ok = this.res.write(bytes);
    if (ok) {
      this.stalled = false;
      this.stalledBytes = 0;
    } else if (!this.stalled) {
      this.stalled = true;
      this.stalledBytes = bytes.length;
    }
  }
}
