import { roomStream } from '@parley/contracts/events';
import type { ResyncReason } from '@parley/contracts/frames';
import type { EventStore } from '../event-store/port.js';
import { canSee, encodeFrame, type FrameEntry } from './frame-entry.js';
import { frameEntryOf } from './frames-of-events.js';
import type { RealtimeLimits } from './limits.js';
import type { RealtimeMetrics } from './metrics.js';
import type { Principal } from './principal.js';
import type { RoomState } from './room-state.js';

export interface ViewerContext {
  store: EventStore;
  limits: RealtimeLimits;
  metrics: RealtimeMetrics;
}

const noFrames: FrameEntry[] = [];

/**
 * One connected viewer of one room (a WebSocket or an SSE stream). It starts at `cursor` (the last
 * seq the client has) and catches up, in order, from the ring buffer or the store, pausing while
 * its socket is backed up; once `cursor` reaches the room's last seq it subscribes to live frames
 * in the same synchronous step, so nothing published in between is missed or sent twice.
 */
export abstract class Viewer {
  /** Last seq delivered (or skipped as invisible) to this viewer. */
  cursor: number;
  live = false;
  closed = false;
  private reading = false;
  private pending: FrameEntry[] = noFrames;
  private pendingAt = 0;
  private pendingUpTo = -1;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly room: RoomState,
    readonly principal: Principal,
    protected readonly ctx: ViewerContext,
    since: number | null,
  ) {
    this.cursor = since ?? room.lastSeq;
  }

  /** Writes a replayable frame. */
  protected abstract write(entry: FrameEntry): void;
  /** Writes a frame outside the replay log (hello, resync, presence, error, pong); `id` is its resume point. */
  abstract writeControl(json: Buffer, id: number | null): void;
  /** Bytes written but not yet taken by the client. */
  abstract buffered(): number;
  /** Starts receiving live frames. */
  protected abstract subscribe(): void;
  /** Runs `fn` with writes batched (required for uWS writes after an await). */
  abstract cork(fn: () => void): void;

  /** Delivers what is missing, then goes live. Call corked. */
  pump(): void {
    const room = this.room;
    const { limits } = this.ctx;
    while (!this.closed && !this.live && !this.reading) {
      if (this.pendingAt < this.pending.length || this.pendingUpTo > this.cursor) {
        if (!this.flushPending()) return;
      } else if (this.cursor > room.lastSeq) {
        this.waitForRoom();
        return;
      } else if (this.cursor === room.lastSeq) {
        this.live = true;
        this.subscribe();
        return;
      } else if (this.cursor + 1 >= room.ring.coveredFrom) {
        if (!this.replayRing()) return;
      } else if (room.lastSeq - this.cursor > limits.maxStoreReplay) {
        this.resync(this.cursor + 1, room.lastSeq, 'too_far_behind');
      } else {
        this.readStore(this.cursor + 1, Math.min(room.ring.coveredFrom - 1, this.cursor + limits.storeReadPage));
        return;
      }
    }
  }

  /** Tells the client `from..to` cannot be replayed here and moves on to live frames. */
  resync(from: number, to: number, reason: ResyncReason): void {
    this.writeControl(encodeFrame({ t: 'resync', room: this.room.id, from, to, reason }), to);
    this.ctx.metrics.resyncs++;
    this.cursor = Math.max(this.cursor, to);
    this.pending = noFrames;
    this.pendingAt = 0;
    this.pendingUpTo = -1;
  }

  /** Called by the room when its last seq moved while this viewer waited for it. */
  roomCaughtUp(): void {
    this.stopWaiting();
    if (!this.closed) this.cork(() => this.pump());
  }

  close(): void {
    this.closed = true;
    this.stopWaiting();
    this.pending = noFrames;
  }

  private backedUp(): boolean {
    if (this.buffered() <= this.ctx.limits.replayHighWater) return false;
    this.ctx.metrics.replayPauses++;
    return true;
  }

  private deliver(entry: FrameEntry): void {
    this.write(entry);
    this.ctx.metrics.replayedFrames++;
    this.ctx.metrics.deliveries++;
  }

  private replayRing(): boolean {
    const ring = this.room.ring;
    for (let i = ring.indexAfter(this.cursor); i < ring.length; i++) {
      const entry = ring.at(i);
      if (canSee(entry.audience, this.principal)) {
        if (this.backedUp()) return false;
        this.deliver(entry);
      }
      this.cursor = entry.seq;
    }
    this.cursor = this.room.lastSeq;
    return true;
  }

  private flushPending(): boolean {
    while (this.pendingAt < this.pending.length) {
      if (this.backedUp()) return false;
      const entry = this.pending[this.pendingAt++]!;
      this.deliver(entry);
      this.cursor = entry.seq;
    }
    this.cursor = Math.max(this.cursor, this.pendingUpTo);
    this.pending = noFrames;
    this.pendingAt = 0;
    this.pendingUpTo = -1;
    return true;
  }

  private readStore(from: number, to: number): void {
    this.reading = true;
    this.ctx.metrics.storeReplays++;
    const room = this.room;
    this.ctx.store.readStream(roomStream(room.id), { fromRevision: from, limit: to - from + 1 }).then(
      (events) => {
        this.reading = false;
        if (this.closed) return;
        const visible: FrameEntry[] = [];
        for (const event of events) {
          if (event.revision > to) break;
          const entry = frameEntryOf(room.id, event);
          if (entry && canSee(entry.audience, this.principal)) visible.push(entry);
        }
        this.pending = visible;
        this.pendingAt = 0;
        this.pendingUpTo = to;
        this.cork(() => this.pump());
      },
      () => {
        this.reading = false;
        if (this.closed) return;
        this.cork(() => {
          this.resync(from, room.lastSeq, 'unavailable');
          this.pump();
        });
      },
    );
  }

  private waitForRoom(): void {
    if (this.waitTimer) return;
    this.room.waiting.add(this);
    this.waitTimer = setTimeout(() => {
      this.stopWaiting();
      if (this.closed) return;
      this.cork(() => {
        // The client claims a seq this node never reached: its position means nothing here.
        this.cursor = this.room.lastSeq;
        this.resync(0, this.room.lastSeq, 'invalid_since');
        this.pump();
      });
    }, this.ctx.limits.resumeWaitMs);
    this.waitTimer.unref?.();
  }

  private stopWaiting(): void {
    this.room.waiting.delete(this);
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
  }
}
