import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MsgFrame, ServerFrame } from '@parley/contracts/frames';
import { startHarness, type Harness, wsPlaces } from './testing/harness.js';
import { connect } from './testing/ws-client.js';

describe.each(wsPlaces)('$name', ({ networkThread }) => {
  const texts = (frames: ServerFrame[]) => frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.payload.text as string);

  describe('resume beyond the ring buffer (small ring, store replay, resync)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ networkThread, limits: { ringFrames: 16, maxStoreReplay: 120, storeReadPage: 7, resumeWaitMs: 300, replayHighWater: 64 * 1024 } });
    });
    afterAll(async () => {
      await h.close();
    });

    it('replays from the store, then the ring, then live, with nothing lost or doubled', async () => {
      await h.createRoom('store');
      const c1 = await connect(h.wsUrl({ room: 'store', token: 'user:u' }));
      let last = -1;
      for (let i = 0; i < 10; i++) last = await h.post('store', { text: `m${i}` });
      await c1.waitFor((f) => texts(f).length === 10);
      c1.terminate();
      await c1.closed;
      const replaysBefore = h.realtime.metrics.storeReplays;
      for (let i = 10; i < 100; i++) {
        await h.post('store', { text: `m${i}` });
        if (i % 9 === 0) await h.updateRoom('store'); // events without frames inside the gap
      }
      const c2 = await connect(h.wsUrl({ room: 'store', token: 'user:u', since: last }));
      // Keep posting while the replay runs: the live tail must join without a gap.
      for (let i = 100; i < 130; i++) await h.post('store', { text: `m${i}` });
      await c2.waitFor((f) => texts(f).length === 120, 10_000, '120 replayed + live messages');
      expect([...texts(c1.frames), ...texts(c2.frames)]).toEqual(Array.from({ length: 130 }, (_, i) => `m${i}`));
      expect(h.realtime.metrics.storeReplays).toBeGreaterThan(replaysBefore);
      const s = c2.frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.seq);
      expect(s).toEqual([...s].sort((a, b) => a - b));
      c2.ws.close();
    });

    it('sends resync when the client is further behind than the store replay allows, then continues live', async () => {
      await h.createRoom('far');
      const first = await h.post('far', { text: 'start' });
      let head = first;
      for (let i = 0; i < 200; i++) head = await h.post('far', { text: `m${i}` });
      const c = await connect(h.wsUrl({ room: 'far', token: 'user:u', since: first }));
      await c.waitFor((f) => f.some((x) => x.t === 'resync'));
      expect(c.frames[1]).toEqual({ t: 'resync', room: 'far', from: first + 1, to: head, reason: 'too_far_behind' });
      await h.post('far', { text: 'live' });
      await c.waitFor((f) => texts(f).includes('live'));
      expect(texts(c.frames)).toEqual(['live']);
      c.ws.close();
    });

    it('a since beyond the room head waits briefly, then resyncs', async () => {
      await h.createRoom('ahead');
      const head = await h.post('ahead', { text: 'x' });
      const c = await connect(h.wsUrl({ room: 'ahead', token: 'user:u', since: head + 50 }));
      await c.waitFor((f) => f.some((x) => x.t === 'resync'), 3000);
      expect(c.of('resync')[0]).toEqual({ t: 'resync', room: 'ahead', from: 0, to: head, reason: 'invalid_since' });
      await h.post('ahead', { text: 'y' });
      await c.waitFor((f) => texts(f).includes('y'));
      c.ws.close();
    });

    it('a since slightly ahead of this node is served once the node catches up (no resync)', async () => {
      await h.createRoom('lag');
      const c0 = await connect(h.wsUrl({ room: 'lag', token: 'user:u' }));
      await h.stopRelay(); // the node stops hearing about new events
      const a = await h.post('lag', { text: 'a' });
      const b = await h.post('lag', { text: 'b' });
      // The client saw `a` elsewhere (say on another node) and resumes here with since=a.
      const c = await connect(h.wsUrl({ room: 'lag', token: 'user:u', since: a }));
      await new Promise((r) => setTimeout(r, 50));
      expect(texts(c.frames)).toEqual([]);
      // A fresh relay re-publishes the whole log: the node skips what it already had (dedupe by seq).
      const duplicatesBefore = h.realtime.metrics.duplicateEvents;
      await h.startRelay(true);
      await c.waitFor((f) => texts(f).includes('b'));
      expect(texts(c.frames)).toEqual(['b']);
      expect(c.of('resync')).toEqual([]);
      await c0.waitFor((f) => texts(f).length === 2);
      expect(texts(c0.frames)).toEqual(['a', 'b']);
      expect(b).toBe(a + 1);
      expect(h.realtime.metrics.duplicateEvents).toBeGreaterThan(duplicatesBefore);
      c.ws.close();
      c0.ws.close();
    });

    it('paces a large replay by the socket drain instead of overfilling its buffer', async () => {
      await h.createRoom('big');
      const since = await h.post('big', { text: 'first' });
      const big = 'z'.repeat(200 * 1024);
      for (let i = 0; i < 30; i++) await h.post('big', { text: `${i}:${big}` });
      const pausesBefore = h.realtime.metrics.replayPauses;
      const c = await connect(h.wsUrl({ room: 'big', token: 'user:u', since }));
      await c.waitFor((f) => texts(f).length === 30, 15_000);
      expect(texts(c.frames).map((t) => t.split(':')[0])).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(h.realtime.metrics.replayPauses).toBeGreaterThan(pausesBefore);
      c.ws.close();
    });
  });
});
