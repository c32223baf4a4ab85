// The bytes every peer publishes: what Parley sends for one chat message (about 200 bytes of
// JSON). Peers must send the same payload so that the comparison measures fan-out, not size.

const TEXT = 'load test message: the quick brown fox jumps over the lazy dog';

/** The chat frame object for `room` and sequence `seq`; `sentAt` (ms) goes in meta. */
export function chatFrame(room, seq, sentAt = 0) {
  return {
    t: 'msg',
    room,
    seq,
    id: `m${seq.toString(36).padStart(10, '0')}`,
    kind: 'chat',
    payload: { text: TEXT, displayName: 'loadtest', userId: 'bench:publisher' },
    meta: { sentAt },
  };
}

/** The frame as JSON text. */
export function chatFrameText(room, seq, sentAt = 0) {
  return JSON.stringify(chatFrame(room, seq, sentAt));
}

/** The ingress message Parley turns into that frame (one element of a batch). */
export function ingressMessage(seq, sentAt = 0) {
  return {
    type: 'chat',
    payload: { text: TEXT, displayName: 'loadtest', userId: `bench:publisher` },
    meta: { sentAt, seq },
  };
}

/** The same as a request body (POST /rooms/:room/ingress). */
export function ingressBody(seq, sentAt = 0) {
  return JSON.stringify(ingressMessage(seq, sentAt));
}
