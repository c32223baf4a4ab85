import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, until, type Harness, wsPlaces } from './testing/harness.js';

describe.each(wsPlaces)('$name', ({ networkThread }) => {
  /*
   * Idle timeout with pings (`idleTimeout` + `sendPingsAutomatically` in ws-endpoint.ts), with real
   * `ws` clients against a harness whose idle timeout is 8 s (uWS counts in 4 s steps and needs at
   * least 8). The server pings an idle socket before the timeout: a client that answers (as every
   * browser and `ws` does by default) stays connected indefinitely; one that never answers pings is
   * dropped after about the timeout.
   */

  const idleTimeoutSec = 8;

  interface Watched {
    ws: WebSocket;
    pings: number[];
    openedAt: number;
    closedAt: () => number | null;
    closed: Promise<{ code: number; reason: string }>;
  }

  function open(h: Harness, token: string, autoPong: boolean): Promise<Watched> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(h.wsUrl({ room: 'idle', token }), { autoPong });
      const pings: number[] = [];
      let closedAt: number | null = null;
      const closed = new Promise<{ code: number; reason: string }>((r) =>
        ws.on('close', (code, reason) => {
          closedAt = Date.now();
          r({ code, reason: reason.toString() });
        }),
      );
      ws.on('ping', () => pings.push(Date.now()));
      ws.once('error', reject);
      ws.once('open', () => resolve({ ws, pings, openedAt: Date.now(), closedAt: () => closedAt, closed }));
    });
  }

  describe('idle timeout with pings', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ networkThread, limits: { idleTimeoutSec } });
      await h.createRoom('idle');
    });
    afterAll(async () => {
      await h.close();
    });

    it('a client that never answers pings is dropped within about the timeout; one that answers stays open past twice the timeout', async () => {
      const [silent, polite] = await Promise.all([open(h, 'user:silent', false), open(h, 'user:polite', true)]);
      await until(() => h.realtime.online('idle') === 2, 5_000, 'both connected');
      // Neither client sends anything of its own: only the automatic pong keeps `polite` alive.

      const limit = (idleTimeoutSec + 8) * 1000;
      const dropped = await Promise.race([silent.closed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), limit + 1000))]);
      expect(dropped, `the silent client is still connected ${limit + 1000} ms later`).toBe(true);
      const silentFor = silent.closedAt()! - silent.openedAt;
      expect(silent.pings.length, 'the silent client was pinged before being dropped').toBeGreaterThanOrEqual(1);
      // Roughly the timeout: uWS pings half way and drops the socket when the rest passes unanswered;
      // allow its 4 s granularity either way.
      expect(silentFor).toBeGreaterThanOrEqual((idleTimeoutSec - 4) * 1000);
      expect(silentFor).toBeLessThanOrEqual(limit);

      const twice = polite.openedAt + 2 * idleTimeoutSec * 1000 + 500;
      await new Promise((r) => setTimeout(r, Math.max(0, twice - Date.now())));
      expect(polite.closedAt(), 'the client that answers pings is still connected').toBeNull();
      expect(polite.ws.readyState).toBe(WebSocket.OPEN);
      // Pinged more than once: the pongs really reset the timer (one ping alone would not prove it).
      expect(polite.pings.length, 'the server pinged the idle client').toBeGreaterThanOrEqual(2);
      expect(h.realtime.online('idle')).toBe(1);
      polite.ws.close();
      await polite.closed;
    }, 25_000);
  });
});
