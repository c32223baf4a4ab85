// In-process publisher for peers: publishes chat frames to `rooms` either at a fixed total rate
// (messages/s over all rooms) or as fast as the server can take them ("max"), in which case it
// backs off while `congested()` says subscribers' send buffers are filling up.

import { chatFrameText } from './chat-frame.mjs';

const TICK_MS = 10;

/**
 * @param {{rooms: string[], rate: number | 'max', seconds: number, batch?: number,
 *          publish: (room: string, text: string) => void, congested: () => boolean}} options
 * @returns {{done: Promise<{published: number, seconds: number}>, stop: () => void}}
 */
export function startSelfDriver({ rooms, rate, seconds, batch = 20, publish, congested }) {
  let published = 0;
  let seq = 0;
  let stopped = false;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));

  const publishRound = (perRoom) => {
    const sentAt = Date.now();
    for (const room of rooms) {
      for (let i = 0; i < perRoom; i++) {
        publish(room, chatFrameText(room, ++seq, sentAt));
        published++;
      }
    }
  };

  const end = () => {
    stopped = true;
    finish({ published, seconds: (performance.now() - started) / 1000 });
  };

  if (rate === 'max') {
    const loop = () => {
      if (stopped || performance.now() >= deadline) return end();
      if (congested()) return void setTimeout(loop, 1);
      publishRound(batch);
      setImmediate(loop);
    };
    setImmediate(loop);
  } else {
    // Fixed rate: each tick publishes the batches due so far, `batch` messages to one room and
    // the next batch to the next room, as the HTTP publisher's requests do at the same rate (one
    // message a room at a time would give each subscriber one frame per write instead of a batch).
    let roomCursor = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      if (stopped || now >= deadline) {
        clearInterval(timer);
        return end();
      }
      const batchesDue = Math.floor((((now - started) / 1000) * rate) / batch) - published / batch;
      const sentAt = Date.now();
      for (let b = 0; b < batchesDue; b++) {
        const room = rooms[roomCursor++ % rooms.length];
        for (let i = 0; i < batch; i++) {
          publish(room, chatFrameText(room, ++seq, sentAt));
          published++;
        }
      }
    }, TICK_MS);
  }
  return { done, stop: () => (stopped = true) };
}
