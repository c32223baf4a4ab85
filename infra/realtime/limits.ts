import { maxClientFramePayload } from '@parley/contracts/frames';

export interface RealtimeLimits {
  /** Frames kept per room for resume (the ring buffer), and their total bytes. */
  ringFrames: number;
  ringBytes: number;
  /** A resume further behind than this many events gets a `resync` frame instead of a store replay. */
  maxStoreReplay: number;
  /** Events read from the store per page during a replay. */
  storeReadPage: number;
  /** A socket with more than this many bytes waiting to be sent is closed as a slow consumer (4008). */
  maxBackpressure: number;
  /** How often rooms that published are checked for slow consumers (ms). */
  slowConsumerCheckMs: number;
  /** A replay pauses when a socket has this many bytes buffered and goes on when it drains. */
  replayHighWater: number;
  /** Largest client frame (bytes); larger closes the socket with 1009. */
  maxPayloadLength: number;
  /** Seconds without traffic before a socket is closed; pings are sent automatically before that. */
  idleTimeoutSec: number;
  /** Presence frames go out at most this often per room (ms). */
  presenceIntervalMs: number;
  /** A client resuming from a seq this node has not seen yet waits this long for it (ms). */
  resumeWaitMs: number;
  /** An SSE client that has this many bytes queued while its socket is not writable is dropped. */
  sseMaxBuffered: number;
  /** SSE comment line sent this often, so proxies keep idle streams open and backed-up streams are noticed (ms). */
  sseKeepAliveMs: number;
  /** A room without viewers for this long forgets its buffer (ms). */
  roomIdleMs: number;
}

export const defaultRealtimeLimits: RealtimeLimits = {
  ringFrames: 1024,
  ringBytes: 8 * 1024 * 1024,
  maxStoreReplay: 10_000,
  storeReadPage: 500,
  maxBackpressure: 1024 * 1024,
  slowConsumerCheckMs: 100,
  replayHighWater: 256 * 1024,
  maxPayloadLength: maxClientFramePayload,
  idleTimeoutSec: 120,
  presenceIntervalMs: 250,
  resumeWaitMs: 5_000,
  sseMaxBuffered: 1024 * 1024,
  sseKeepAliveMs: 5_000,
  roomIdleMs: 5 * 60_000,
};

export const withDefaultLimits = (limits: Partial<RealtimeLimits> | undefined): RealtimeLimits => ({ ...defaultRealtimeLimits, ...limits });
