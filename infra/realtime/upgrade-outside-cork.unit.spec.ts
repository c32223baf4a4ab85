import { describe, expect, it } from 'vitest';
import { defaultRealtimeLimits } from './limits.js';
import { newRealtimeMetrics } from './metrics.js';
import type { RoomRegistry } from './room-registry.js';
import { RoomState } from './room-state.js';
import { upgradeOutsideOwnCork, type CorkLender } from './upgrade-outside-cork.js';
import type { ViewerContext } from './viewer.js';
import { wsBehavior } from './ws-endpoint.js';
import type { WsViewer } from './ws-viewer.js';

/**
 * A model of uWS's cork: one per loop. A socket corks only while no other socket holds it;
 * otherwise its cork callback just runs. uWS.js counts every cork callback, and warns about an
 * upgrade made outside all of them.
 */
function loopModel() {
  const loop = { corkedBy: null as unknown, insideCork: 0 };
  const socket = (): CorkLender => {
    const self: CorkLender = {
      cork(fn) {
        const corks = loop.corkedBy === null;
        if (corks) loop.corkedBy = self;
        loop.insideCork++;
        try {
          fn();
        } finally {
          loop.insideCork--;
          if (corks) loop.corkedBy = null;
        }
      },
    };
    return self;
  };
  return { loop, socket };
}

describe('upgradeOutsideOwnCork', () => {
  it('with no socket to borrow a cork from, upgrades uncorked', () => {
    const { loop, socket } = loopModel();
    const res = socket();
    let corkedBy: unknown = 'not called';
    upgradeOutsideOwnCork(res, () => (corkedBy = loop.corkedBy), undefined);
    expect(corkedBy).toBeNull();
  });

  it('inside another socket’s cork, upgrades without the response corking itself, and inside a cork callback (no warning)', () => {
    const { loop, socket } = loopModel();
    const res = socket();
    const lender = socket();
    let seen: { corkedBy: unknown; insideCork: number } | undefined;
    upgradeOutsideOwnCork(res, () => (seen = { corkedBy: loop.corkedBy, insideCork: loop.insideCork }), lender);
    expect(seen?.corkedBy).toBe(lender);
    expect(seen?.insideCork).toBeGreaterThan(0);
  });
});

describe('the /ws upgrade after admission', () => {
  /** Upgrades one guest through `wsBehavior`, with `lenders` open WebSockets of the same loop. */
  async function upgradeOnce(lenders: number) {
    const { loop, socket } = loopModel();
    const openViewers = Array.from({ length: lenders }, () => Object.assign(socket(), { closed: false }) as unknown as WsViewer);
    const res = Object.assign(socket(), {
      upgradedWhileCorkedBy: 'never' as unknown,
      onAborted: () => undefined,
      getRemoteAddressAsText: () => new TextEncoder().encode('127.0.0.1').buffer,
      upgrade: () => (res.upgradedWhileCorkedBy = loop.corkedBy),
    });
    const req = { getHeader: () => '', getQuery: () => 'room=r1&guest=1' };
    const room = new RoomState('r1', defaultRealtimeLimits);
    const behavior = wsBehavior({
      rooms: { open: async () => room } as unknown as RoomRegistry,
      authenticate: async () => ({ ok: true, principal: { userId: 'guest:a', displayName: 'A', roles: ['guest'], isModerator: false }, maxViewers: null }),
      peerViewers: () => 0,
      onClientSend: undefined,
      limits: defaultRealtimeLimits,
      metrics: newRealtimeMetrics(),
      ctx: {} as ViewerContext,
      viewers: new Set(openViewers),
      onViewersChanged: () => undefined,
      onError: (err) => {
        throw err;
      },
    });
    behavior.upgrade!(res as never, req as never, {} as never);
    await new Promise((r) => setTimeout(r, 10));
    return { res, upgradedWhileCorkedBy: res.upgradedWhileCorkedBy };
  }

  it('never upgrades inside the response’s own cork (uWS.js 20.30 may then close the new socket)', async () => {
    const alone = await upgradeOnce(0);
    expect(alone.upgradedWhileCorkedBy).toBeNull();
    const beside = await upgradeOnce(1);
    expect(beside.upgradedWhileCorkedBy).not.toBe('never');
    expect(beside.upgradedWhileCorkedBy).not.toBeNull();
    expect(beside.upgradedWhileCorkedBy).not.toBe(beside.res);
  });
});
