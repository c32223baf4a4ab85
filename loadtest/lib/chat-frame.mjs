// The bytes every peer publishes: what Parley sends for one chat message from the publisher, key
// for key and byte for byte but for the values that vary (the event id, the room's sequence, the
// timestamps). Peers must send the same payload so that the comparison measures fan-out, not size;
// loadtest/test/chat-frame.test.mjs checks it against a running Parley.

const TEXT = 'load test message: the quick brown fox jumps over the lazy dog';
const SENDER = 'bench:publisher';
/** Parley's room ids are 12 characters (apps/api/src/application/ids.ts, shortId). */
export const ROOM_ID_LENGTH = 12;

/** The name of a peer's room `index`, as long as a Parley room id: `room-0000042`. */
export function peerRoomName(index, prefix = 'room-') {
  return `${prefix}${String(index).padStart(Math.max(0, ROOM_ID_LENGTH - prefix.length), '0')}`;
}

/** A UUID-shaped event id (36 characters, as Parley's UUIDv7 ids) made from `seq`. */
const eventIdOf = (seq) => `00000000-0000-7000-8000-${seq.toString(16).padStart(12, '0')}`;

/** The chat frame object for `room` and sequence `seq`; `sentAt` (ms) goes in meta and stands for the decision time. */
export function chatFrame(room, seq, sentAt = 0) {
  return {
    t: 'msg',
    room,
    seq,
    id: eventIdOf(seq),
    kind: 'chat',
    ts: sentAt,
    sender: `webhook:${SENDER}`,
    payload: { text: TEXT, displayName: 'loadtest', userId: SENDER },
    meta: { sentAt, seq },
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
    payload: { text: TEXT, displayName: 'loadtest', userId: SENDER },
    meta: { sentAt, seq },
  };
}

/** The same as a request body (POST /rooms/:room/ingress). */
export function ingressBody(seq, sentAt = 0) {
  return JSON.stringify(ingressMessage(seq, sentAt));
}
