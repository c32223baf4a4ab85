import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MsgFrame, RoomEventFrame, ServerFrame } from '@parley/contracts/frames';
import { serverFrame } from '@parley/contracts/frames';
import type { OnClientSend } from './principal.js';
import { startHarness, until, type Harness, wsPlaces } from './testing/harness.js';
import { connect, type TestClient } from './testing/ws-client.js';

describe.each(wsPlaces)('$name', ({ networkThread }) => {
  const seqs = (frames: ServerFrame[]) => frames.filter((f): f is RoomEventFrame => f.t === 'msg' || f.t === 'removed' || f.t === 'mod').map((f) => f.seq);
  const texts = (frames: ServerFrame[]) => frames.filter((f): f is MsgFrame => f.t === 'msg').map((f) => f.payload.text as string);
  const msgCount = (c: TestClient) => c.of('msg').length;

  describe('realtime fan-out over uWS (default limits)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ networkThread });
    });
    afterAll(async () => {
      await h.close();
    });

    it('greets with hello (room seq, online, you) and every frame matches the contract', async () => {
      await h.createRoom('hello');
      await h.post('hello', { text: 'before' });
      const c = await connect(h.wsUrl({ room: 'hello', token: 'user:alice' }));
      await c.waitFor((f) => f.length >= 1);
      expect(c.frames[0]).toEqual({ t: 'hello', room: 'hello', seq: 1, online: 1, you: { userId: 'alice', roles: ['viewer'] } });
      await h.post('hello', { text: 'after', sender: 'twitch:bob', meta: { color: '#f00', nested: { a: [1, 2] } } });
      await c.waitFor((f) => f.some((x) => x.t === 'msg'));
      const msg = c.of('msg')[0]!;
      expect(msg).toMatchObject({ t: 'msg', room: 'hello', seq: 2, kind: 'chat', sender: 'twitch:bob', payload: { text: 'after' }, meta: { color: '#f00', nested: { a: [1, 2] } } });
      for (const f of c.frames) expect(serverFrame.safeParse(f).success).toBe(true);
      c.ws.close();
    });

    it('three subscribers see the same frames in the same order', async () => {
      await h.createRoom('order');
      const clients = await Promise.all([1, 2, 3].map((i) => connect(h.wsUrl({ room: 'order', token: `user:u${i}` }))));
      // Three writers appending concurrently: the store orders them; every subscriber must agree.
      await Promise.all([0, 1, 2].map(async (w) => {
        for (let i = 0; i < 100; i++) await h.post('order', { text: `w${w}-${i}` });
      }));
      for (const c of clients) await c.waitFor(() => msgCount(c) === 300, 10_000, '300 messages');
      const orders = clients.map((c) => texts(c.frames));
      expect(orders[1]).toEqual(orders[0]);
      expect(orders[2]).toEqual(orders[0]);
      const s = seqs(clients[0]!.frames);
      expect(s).toEqual([...s].sort((a, b) => a - b));
      expect(new Set(s).size).toBe(300);
      for (const c of clients) c.ws.close();
    });

    it('resumes from the ring buffer after a dropped connection: nothing lost, nothing twice, even while posting', async () => {
      await h.createRoom('resume');
      const total = 400;
      let posted = 0;
      const poster = (async () => {
        for (; posted < total; ) {
          await h.post('resume', { text: `m${posted}` });
          posted++;
          if (posted % 20 === 0) await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const first = await connect(h.wsUrl({ room: 'resume', token: 'user:carol', since: 0 }));
      await first.waitFor(() => msgCount(first) >= 100, 10_000);
      first.terminate();
      await first.closed;
      const got1 = first.of('msg');
      const last = got1[got1.length - 1]!.seq;
      const second = await connect(h.wsUrl({ room: 'resume', token: 'user:carol', since: last }));
      await poster;
      await second.waitFor(() => got1.length + msgCount(second) >= total, 10_000, 'all messages across both connections');
      const all = [...texts(first.frames), ...texts(second.frames)];
      expect(all).toEqual(Array.from({ length: total }, (_, i) => `m${i}`));
      expect(seqs(second.frames)[0]).toBe(last + 1);
      second.ws.close();
    });

    it('replays only what the viewer may see and skips events that make no frame', async () => {
      await h.createRoom('mixed');
      const a = await h.post('mixed', { text: 'one' });
      await h.updateRoom('mixed');
      await h.post('mixed', { text: 'secret', sender: 'x:stealthy', stealth: true });
      await h.post('mixed', { text: 'two' });
      await h.moderate('mixed', 'mute', 'x:spammer');
      await h.moderate('mixed', 'stealth', 'x:stealthy');
      await until(() => true);
      const viewer = await connect(h.wsUrl({ room: 'mixed', token: 'user:dave', since: a - 1 }));
      const mod = await connect(h.wsUrl({ room: 'mixed', token: 'mod:erin', since: a - 1 }));
      await viewer.waitFor((f) => f.some((x) => x.t === 'mod'));
      await mod.waitFor((f) => f.filter((x) => x.t === 'mod').length === 2);
      expect(texts(viewer.frames)).toEqual(['one', 'two']);
      expect(viewer.of('mod').map((m) => m.action)).toEqual(['mute']);
      expect(texts(mod.frames)).toEqual(['one', 'secret', 'two']);
      expect(mod.of('mod').map((m) => m.action)).toEqual(['mute', 'stealth']);
      viewer.ws.close();
      mod.ws.close();
    });

    it('stealth messages reach moderators and the sender only, live and on resume', async () => {
      await h.createRoom('stealth');
      const mod = await connect(h.wsUrl({ room: 'stealth', token: 'mod:m1' }));
      const sender = await connect(h.wsUrl({ room: 'stealth', token: 'user:x:troll' }));
      const senderTab2 = await connect(h.wsUrl({ room: 'stealth', token: 'user:x:troll' }));
      const other = await connect(h.wsUrl({ room: 'stealth', token: 'user:x:nice' }));
      const before = await h.post('stealth', { text: 'hello all' });
      await h.post('stealth', { text: 'only mods and me', sender: 'x:troll', stealth: true });
      await h.post('stealth', { text: 'visible again' });
      for (const c of [mod, sender, senderTab2, other]) await c.waitFor((f) => texts(f).includes('visible again'));
      expect(texts(mod.frames)).toEqual(['hello all', 'only mods and me', 'visible again']);
      expect(texts(sender.frames)).toEqual(['hello all', 'only mods and me', 'visible again']);
      expect(texts(senderTab2.frames)).toEqual(['hello all', 'only mods and me', 'visible again']);
      expect(texts(other.frames)).toEqual(['hello all', 'visible again']);
      const otherAgain = await connect(h.wsUrl({ room: 'stealth', token: 'user:x:nice', since: before }));
      const senderAgain = await connect(h.wsUrl({ room: 'stealth', token: 'user:x:troll', since: before }));
      await otherAgain.waitFor((f) => texts(f).includes('visible again'));
      await senderAgain.waitFor((f) => texts(f).includes('visible again'));
      expect(texts(otherAgain.frames)).toEqual(['visible again']);
      expect(texts(senderAgain.frames)).toEqual(['only mods and me', 'visible again']);
      for (const c of [mod, sender, senderTab2, other, otherAgain, senderAgain]) c.ws.close();
    });

    it('refuses upgrades with the policy status, and when max_viewers is reached', async () => {
      await h.createRoom('small', { maxViewers: 2 });
      await expect(connect(h.wsUrl({ room: 'nope', token: 'user:a' }))).rejects.toMatchObject({ status: 404 });
      await expect(connect(h.wsUrl({ room: 'small', token: 'bad' }))).rejects.toMatchObject({ status: 401 });
      await expect(connect(h.wsUrl({ token: 'user:a' }))).rejects.toMatchObject({ status: 400 });
      await expect(connect(h.wsUrl({ room: 'small', token: 'user:a', since: 'x' }))).rejects.toMatchObject({ status: 400 });
      const a = await connect(h.wsUrl({ room: 'small', token: 'user:a' }));
      const b = await connect(h.wsUrl({ room: 'small', guest: 1 }));
      const refused = await connect(h.wsUrl({ room: 'small', token: 'user:c' })).catch((e: { status: number; body: string }) => e);
      expect(refused).toMatchObject({ status: 403 });
      expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: 'Forbidden', status: 403 });
      expect(h.realtime.online('small')).toBe(2);
      a.ws.close();
      await a.closed;
      await until(() => h.realtime.online('small') === 1);
      const c = await connect(h.wsUrl({ room: 'small', token: 'user:c' }));
      expect(h.realtime.online('small')).toBe(2);
      // Concurrent upgrades cannot overshoot: slots are reserved before the upgrade completes.
      b.ws.close();
      c.ws.close();
      await until(() => h.realtime.online('small') === 0);
      const burst = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => connect(h.wsUrl({ room: 'small', token: `user:burst${i}` }))));
      expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      for (const r of burst) if (r.status === 'fulfilled') r.value.ws.close();
    });

    it('broadcasts coalesced presence and exposes online()', async () => {
      await h.createRoom('presence');
      const started = Date.now();
      const a = await connect(h.wsUrl({ room: 'presence', token: 'user:p1' }));
      const others = await Promise.all([2, 3, 4, 5].map((i) => connect(h.wsUrl({ room: 'presence', token: `user:p${i}` }))));
      const joinedWithinMs = Date.now() - started;
      await a.waitFor((f) => f.some((x) => x.t === 'presence' && x.online === 5), 3000, 'presence 5');
      // At most one presence frame per 250 ms interval the joins spanned (one or two on an idle machine), not one per join.
      expect(a.of('presence').length).toBeLessThanOrEqual(Math.ceil(joinedWithinMs / 250) + 1);
      expect(h.realtime.online('presence')).toBe(5);
      // Only a frame sent after the others left counts: on a slow machine the first viewer may
      // already have had a presence frame saying 1 before the others joined.
      const framesBeforeLeaving = a.frames.length;
      for (const o of others) o.ws.close();
      await a.waitFor((f) => f.slice(framesBeforeLeaving).some((x) => x.t === 'presence' && x.online === 1), 3000, 'presence 1');
      expect(h.realtime.online('presence')).toBe(1);
      a.ws.close();
    });

    it('skips a malformed event without stopping the room or the bus', async () => {
      await h.createRoom('broken');
      const c = await connect(h.wsUrl({ room: 'broken', token: 'user:u' }));
      const { roomStream } = await import('@parley/contracts/events');
      await h.store.append(roomStream('broken'), [{ id: 'bad-event-1', type: 'ChatMessagePosted', data: null }], 'any');
      await h.post('broken', { text: 'after the bad one' });
      await c.waitFor((f) => texts(f).includes('after the bad one'));
      expect(h.realtime.metrics.badEvents).toBeGreaterThanOrEqual(1);
      c.ws.close();
    });

    it('hands client sends to the command path; answers pings; closes with 1009 above 64 KiB', async () => {
      await h.createRoom('limits');
      const c = await connect(h.wsUrl({ room: 'limits', token: 'user:sender' }));
      c.send({ t: 'ping' });
      await c.waitFor((f) => f.some((x) => x.t === 'pong'));
      // No command path configured on this harness: sends are refused with an error frame.
      c.send({ t: 'send', text: 'hi', nonce: 'n1' });
      await c.waitFor((f) => f.some((x) => x.t === 'error'));
      expect(c.of('error')[0]).toEqual({ t: 'error', code: 'read_only', message: expect.any(String), nonce: 'n1' });
      c.send('not json');
      c.send({ t: 'shout' });
      await c.waitFor((f) => f.filter((x) => x.t === 'error').length === 3);
      expect(c.of('error').slice(1).map((e) => e.code)).toEqual(['bad_frame', 'bad_frame']);
      // Exactly 64 KiB is accepted.
      const frameOf = (size: number) => {
        const base = JSON.stringify({ t: 'send', text: '' });
        return JSON.stringify({ t: 'send', text: 'x'.repeat(size - base.length) });
      };
      expect(Buffer.byteLength(frameOf(64 * 1024))).toBe(64 * 1024);
      c.send(frameOf(64 * 1024));
      await c.waitFor((f) => f.filter((x) => x.t === 'error').length === 4);
      c.send({ t: 'ping' });
      await c.waitFor((f) => f.filter((x) => x.t === 'pong').length === 2);
      c.send(frameOf(64 * 1024 + 1));
      const closed = await c.closed;
      expect(closed.code).toBe(1009);
      // Up to 128 KiB the documented 1009; above, uWS drops the connection without a close frame
      // (1006) rather than buffer it. Either way the node goes on serving.
      const big = await connect(h.wsUrl({ room: 'limits', token: 'user:big' }));
      big.send(frameOf(128 * 1024));
      expect((await big.closed).code).toBe(1009);
      const huge = await connect(h.wsUrl({ room: 'limits', token: 'user:huge' }));
      huge.send(frameOf(1024 * 1024));
      expect((await huge.closed).code).toBe(1006);
      const after = await connect(h.wsUrl({ room: 'limits', token: 'user:after' }));
      after.send({ t: 'ping' });
      await after.waitFor((f) => f.some((x) => x.t === 'pong'));
      after.ws.close();
    });
  });

  describe('client sends through the injected command path', () => {
    let h: Harness;
    const calls: Array<{ userId: string; room: string; text: string }> = [];
    beforeAll(async () => {
      const onClientSend: OnClientSend = async (principal, room, frame) => {
        calls.push({ userId: principal.userId, room, text: frame.text });
        if (frame.text.includes('badword')) return { ok: false, code: 'filtered', message: 'message blocked by the room filter' };
        if (principal.roles.includes('guest')) throw Object.assign(new Error('guests cannot post'), { code: 'forbidden' });
        await h.post(room, { text: frame.text, sender: principal.userId, meta: frame.meta });
      };
      h = await startHarness({ networkThread, onClientSend });
    });
    afterAll(async () => {
      await h.close();
    });

    it('accepted sends come back to everyone as msg frames; refusals become error frames with the nonce', async () => {
      await h.createRoom('chat');
      const alice = await connect(h.wsUrl({ room: 'chat', token: 'user:x:alice' }));
      const bob = await connect(h.wsUrl({ room: 'chat', token: 'user:x:bob' }));
      const guest = await connect(h.wsUrl({ room: 'chat', guest: 1 }));
      alice.send({ t: 'send', text: 'hello bob', meta: { emote: 'wave' }, nonce: 'a1' });
      await bob.waitFor((f) => f.some((x) => x.t === 'msg'));
      expect(bob.of('msg')[0]).toMatchObject({ sender: 'x:alice', payload: { text: 'hello bob' }, meta: { emote: 'wave' } });
      expect(calls[0]).toEqual({ userId: 'x:alice', room: 'chat', text: 'hello bob' });
      alice.send({ t: 'send', text: 'a badword here', nonce: 'a2' });
      await alice.waitFor((f) => f.some((x) => x.t === 'error'));
      expect(alice.of('error')[0]).toEqual({ t: 'error', code: 'filtered', message: 'message blocked by the room filter', nonce: 'a2' });
      guest.send({ t: 'send', text: 'hi' });
      await guest.waitFor((f) => f.some((x) => x.t === 'error'));
      expect(guest.of('error')[0]).toEqual({ t: 'error', code: 'forbidden', message: 'guests cannot post' });
      await new Promise((r) => setTimeout(r, 50));
      expect(bob.of('msg')).toHaveLength(1);
      for (const c of [alice, bob, guest]) c.ws.close();
    });
  });

  describe('realtime fan-out with viewers on other nodes (peerViewers)', () => {
    let h: Harness;
    const peers = new Map<string, number>();
    beforeAll(async () => {
      h = await startHarness({ networkThread, peerViewers: (roomId) => peers.get(roomId) ?? 0 });
    });
    afterAll(async () => {
      await h.close();
    });

    it("counts the other nodes' viewers against max_viewers, for WebSocket and SSE alike", async () => {
      await h.createRoom('shared', { maxViewers: 3 });
      peers.set('shared', 2);
      const a = await connect(h.wsUrl({ room: 'shared', token: 'user:a' }));
      const refused = await connect(h.wsUrl({ room: 'shared', token: 'user:b' })).catch((e: { status: number; body: string }) => e);
      expect(refused).toMatchObject({ status: 403 });
      expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: 'Forbidden', message: 'room is full (max_viewers 3)', status: 403 });
      const sse = await fetch(h.sseUrl({ room: 'shared', token: 'user:c' }));
      expect(sse.status).toBe(403);
      await sse.body?.cancel();
      // A viewer leaves another node: a place is free again.
      peers.set('shared', 1);
      const b = await connect(h.wsUrl({ room: 'shared', token: 'user:b' }));
      expect(h.realtime.online('shared')).toBe(2);
      a.ws.close();
      b.ws.close();
    });

    it('reports the whole room in hello and presence, and sends presence when only the other nodes changed', async () => {
      await h.createRoom('counted');
      peers.set('counted', 4);
      const a = await connect(h.wsUrl({ room: 'counted', token: 'user:a' }));
      await a.waitFor((f) => f.length >= 1);
      expect(a.frames[0]).toMatchObject({ t: 'hello', online: 5 });
      await a.waitFor((f) => f.some((x) => x.t === 'presence' && x.online === 5), 3000, 'presence 5');
      peers.set('counted', 7);
      await a.waitFor((f) => f.some((x) => x.t === 'presence' && x.online === 8), 3000, 'presence 8');
      // Nothing changed since: no more presence frames.
      const sent = a.of('presence').length;
      await new Promise((r) => setTimeout(r, 700));
      expect(a.of('presence').length).toBe(sent);
      // online() is this node's own count: it is what the other nodes add up.
      expect(h.realtime.online('counted')).toBe(1);
      a.ws.close();
    });
  });

  describe('realtime event age', () => {
    it('reports the age of each event it publishes live, once, and nothing for rooms nobody watches here', async () => {
      const ages: number[] = [];
      // The writer's clock runs 5 s behind, so every event is at least 5 s old when published.
      const h = await startHarness({ networkThread, storeNow: () => Date.now() - 5000, observeEventAge: (ms) => ages.push(ms) });
      try {
        await h.createRoom('aged');
        await h.createRoom('unwatched');
        const c = await connect(h.wsUrl({ room: 'aged', token: 'user:alice' }));
        await c.waitFor((f) => f.length >= 1);
        for (let i = 0; i < 3; i++) await h.post('aged', { text: `m${i}` });
        await h.post('unwatched', { text: 'nobody watches this room here' });
        await c.waitFor(() => msgCount(c) === 3);
        // The whole log once more (a relay that lost its checkpoint): the duplicates publish nothing.
        await h.stopRelay();
        await h.startRelay(true);
        await h.post('aged', { text: 'm3' });
        await c.waitFor(() => msgCount(c) === 4);
        expect(ages).toHaveLength(4);
        for (const age of ages) {
          expect(age).toBeGreaterThanOrEqual(5000);
          expect(age).toBeLessThan(5000 + 2000);
        }
        c.ws.close();
      } finally {
        await h.close();
      }
    });
  });
});
