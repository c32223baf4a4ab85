// The messages between the main thread and a realtime network thread (network-thread.ts and
// network-thread-worker.mjs). Each message is a flat array of records, an opcode followed by a
// fixed number of fields, so a batch is one structured clone and the fields need no object per record.

/** Main → thread. */
export const toThread = Object.freeze({
  /**
   * id, connId, protocol: upgrade the pending request `id`; the socket is `connId` from now on. The
   * main thread has opened its viewer already; if the request is gone, the thread closes `connId`.
   */
  accept: 1,
  /** id, statusLine, body: answer the pending upgrade with an HTTP error. */
  refuse: 2,
  /** connId, bytes */
  send: 3,
  /** connId, topic */
  subscribe: 4,
  /** connId, code, reason */
  end: 5,
  /** topic, bytes */
  publish: 6,
  /** (none): close the listening socket and every connection, then exit. */
  stop: 7,
});


/** Thread → main. */
export const fromThread = Object.freeze({
  /** id, query, authorization, forwardedFor, remoteAddress, protocols */
  upgrade: 1,
  /** id */
  aborted: 2,
  /** connId, bytes (an ArrayBuffer the thread copied) */
  message: 4,
  /** connId, bytes buffered: after frames were sent to it, and on drain */
  buffered: 5,
  /** connId, code, slow (1 when the thread closed it for not reading) */
  close: 6,
  /** port (0 when listening failed) */
  listening: 7,
  /** (none): every connection is closed and the thread is about to exit. */
  stopped: 8,
  /** (none): one batch from the main thread is done (they are done in the order they were sent). */
  processed: 9,
  /**
   * where and what: an error the thread caught (a bad record, a callback that threw). The thread goes
   * on: a worker that died with its sockets open would take the whole process with it.
   */
  error: 10,
});
