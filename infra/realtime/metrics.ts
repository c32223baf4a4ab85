/** Counters of one realtime node, a plain object an exporter can read (Prometheus later). */
export interface RealtimeMetrics {
  /** WebSocket connections open now. */
  connections: number;
  /** SSE streams open now. */
  sseConnections: number;
  connectionsTotal: number;
  /** Upgrades and SSE requests refused (auth, bad query, room full). */
  refused: number;
  /** Room events received from the bus (duplicates included). */
  busEvents: number;
  duplicateEvents: number;
  /** Room events that could not be turned into a frame (malformed data); skipped. */
  badEvents: number;
  /** Frames published once per node. */
  framesPublished: number;
  /** Frames handed to sockets: one per subscriber per published frame, plus replays. */
  deliveries: number;
  replayedFrames: number;
  /** Times a replay paused for a backed-up socket (it goes on when the socket drains). */
  replayPauses: number;
  storeReplays: number;
  resyncs: number;
  presenceFrames: number;
  slowConsumerCloses: number;
  sseDropped: number;
  clientFrames: number;
  clientFramesRejected: number;
}

export const newRealtimeMetrics = (): RealtimeMetrics => ({
  connections: 0,
  sseConnections: 0,
  connectionsTotal: 0,
  refused: 0,
  busEvents: 0,
  duplicateEvents: 0,
  badEvents: 0,
  framesPublished: 0,
  deliveries: 0,
  replayedFrames: 0,
  replayPauses: 0,
  storeReplays: 0,
  resyncs: 0,
  presenceFrames: 0,
  slowConsumerCloses: 0,
  sseDropped: 0,
  clientFrames: 0,
  clientFramesRejected: 0,
});
