import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MsgFrame } from '@parley/contracts/frames';
import { startHarness, until, type Harness, wsPlaces } from './testing/harness.js';
import { openRawWs, type RawWs } from './testing/raw-ws.js';
import { connect, type TestClient } from './testing/ws-client.js';

describe.each(wsPlaces)('$name', ({ networkThread }) => {
  const mib = 1024 * 1024;

  describe('slow consumers', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ networkThread, limits: { maxBackpressure: 256 * 1024, slowConsumerCheckMs: 20 } });
    });
    afterAll(async () => {
      await h.close();
    });

    it('closes a socket that stops reading with 4008 while a reading client gets every frame', async () => {
      await h.createRoom('slow');
      const reader = await connect(h.wsUrl({ room: 'slow', token: 'user:reader' }));
      const raw = await openRawWs(h.port, '/ws?room=slow&token=user:stalled');
      await until(() => h.realtime.online('slow') === 2);
      const big = 'b'.repeat(60 * 1024);
      const total = 300; // ~18 MB: far beyond kernel buffers plus the 256 KiB limit
      for (let i = 0; i < total; i++) {
        await h.post('slow', { text: `${i}:${big}` });
        // The reader shares this process with the server: keep it close behind, as a real reader would be.
        await reader.waitFor((f) => f.filter((x) => x.t === 'msg').length >= i - 8, 20_000, 'reader keeping up');
      }
      await until(() => h.realtime.metrics.slowConsumerCloses === 1, 10_000, 'slow consumer close');
      const seen = await raw.readAll(10_000);
      expect(seen.closeCode).toBe(4008);
      expect(seen.closeReason).toBe('slow consumer');
      expect(seen.texts).toBeLessThan(total);
      await reader.waitFor((f) => f.filter((x) => x.t === 'msg').length === total, 20_000, 'reader got everything');
      const got = reader.frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => Number((f.payload.text as string).split(':')[0]));
      expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(h.realtime.online('slow')).toBe(1);
      reader.ws.close();
    });

    it('keeps memory bounded with 1,000 clients that never read', async () => {
      await h.createRoom('crowd');
      const reader = await connect(h.wsUrl({ room: 'crowd', token: 'user:reader' }));
      const raws: RawWs[] = [];
      try {
        await crowd(raws, reader);
      } finally {
        // Stalled sockets hold kernel buffers until they go: release them at once.
        for (const r of raws) r.socket.destroy();
        reader.ws.close();
      }
    }, 120_000);

    async function crowd(raws: RawWs[], reader: TestClient) {
      for (let i = 0; i < 1000; i++) raws.push(await openRawWs(h.port, `/ws?room=crowd&token=user:idle${i}`));
      await until(() => h.realtime.online('crowd') === 1001, 10_000);
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const closesBefore = h.realtime.metrics.slowConsumerCloses;
      const big = 'c'.repeat(32 * 1024);
      let peak = rssBefore;
      let i = 0;
      for (; i < 2000 && h.realtime.metrics.slowConsumerCloses - closesBefore < 1000; i++) {
        await h.post('crowd', { text: `${i}:${big}` });
        await reader.waitFor((f) => f.filter((x) => x.t === 'msg').length >= i - 8, 20_000, 'reader keeping up');
        if (i % 5 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      await until(() => h.realtime.metrics.slowConsumerCloses - closesBefore === 1000, 20_000, 'all 1,000 idle readers cut off');
      const published = i;
      await reader.waitFor((f) => f.filter((x) => x.t === 'msg').length === published, 20_000, 'reader got everything');
      peak = Math.max(peak, process.memoryUsage().rss);
      // A stalled socket holds at most uWS's hard limit (2 x maxBackpressure = 512 KiB) before it
      // is cut; the sweep cuts it at 256 KiB plus what a room publishes between two checks, so
      // ~416 KiB each, ~400 MiB for 1,000 (what an idle machine measures). The allocator's growth of
      // those buffers and the JS heap come on top: CI on a busy machine measured 590 MiB. The bound
      // is twice the hard limit per socket, 1,000 MiB; without the cut-off every socket would hold
      // the ~58 frames published before the cut-offs (1.8 MiB each, 1.8 GiB), and more as publishing went on.
      const growth = peak - rssBefore;
      console.log(`1,000 stalled sockets: ${published} frames of 32 KiB published, peak RSS growth ${(growth / mib).toFixed(0)} MiB`);
      expect(growth).toBeLessThan(1000 * 2 * (2 * 256 * 1024));
      expect(h.realtime.online('crowd')).toBe(1);
    }
  });
});
