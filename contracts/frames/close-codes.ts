/** WebSocket close codes a room connection can end with. */
export const closeCodes = {
  /** The server is shutting down or the node is draining; reconnect with `since`. */
  goingAway: 1001,
  /** A client frame exceeded the 64 KiB payload limit. */
  messageTooBig: 1009,
  /** The client did not read fast enough and its send buffer passed the limit; reconnect with `since`. */
  slowConsumer: 4008,
  /** The viewer may no longer watch this room (left a private room, the room was removed), or its account session ended (logout). */
  accessRevoked: 4403,
} as const;

export type CloseCode = (typeof closeCodes)[keyof typeof closeCodes];

/** Largest client frame accepted, in bytes. */
export const maxClientFramePayload = 64 * 1024;
