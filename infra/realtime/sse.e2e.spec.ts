import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MsgFrame } from '@parley/contracts/frames';
import { startHarness, until, type Harness } from './testing/harness.js';
import { openSse, type SseEvent } from './testing/sse-client.js';

const texts = (events: SseEvent[]) => events.filter((e) => e.frame.t === 'msg').map((e) => (e.frame as MsgFrame).payload.text as string);

describe('SSE endpoint', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { ringFrames: 8, storeReadPage: 5, sseKeepAliveMs: 500 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('streams the same frames as data: lines with id: seq, and resumes from Last-Event-ID without loss or duplicates', async () => {
    await h.createRoom('sse');
    const a = await openSse(h.sseUrl({ room: 'sse', token: 'user:s' }));
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/event-stream');
    await a.waitFor((e) => e.length >= 1);
    expect(a.events[0]!.frame).toMatchObject({ t: 'hello', room: 'sse', seq: 0, you: { userId: 's' } });
    expect(a.events[0]!.id).toBe('0');
    for (let i = 0; i < 10; i++) await h.post('sse', { text: `m${i}`, meta: { i } });
    await a.waitFor((e) => texts(e).length === 10);
    for (const e of a.events.filter((x) => x.frame.t === 'msg')) expect(e.id).toBe(String((e.frame as MsgFrame).seq));
    expect((a.events.find((e) => e.frame.t === 'msg')!.frame as MsgFrame).meta).toEqual({ i: 0 });
    const resumeFrom = a.lastEventId()!;
    a.close();
    await until(() => h.realtime.online('sse') === 0);
    // 30 more while away: more than the 8-frame ring, so part comes from the store.
    for (let i = 10; i < 40; i++) await h.post('sse', { text: `m${i}` });
    const b = await openSse(h.sseUrl({ room: 'sse', token: 'user:s' }), resumeFrom);
    for (let i = 40; i < 45; i++) await h.post('sse', { text: `m${i}` });
    await b.waitFor((e) => texts(e).length === 35, 10_000, '35 messages after resume');
    expect([...texts(a.events), ...texts(b.events)]).toEqual(Array.from({ length: 45 }, (_, i) => `m${i}`));
    // The resumed hello carries no id: only frames actually delivered move Last-Event-ID.
    expect(b.events[0]!.frame.t).toBe('hello');
    expect(b.events[0]!.id).toBeNull();
    b.close();
  });

  it('filters stealth frames per viewer and refuses bad requests with the error shape', async () => {
    await h.createRoom('sse-stealth', { guests: false });
    const viewer = await openSse(h.sseUrl({ room: 'sse-stealth', token: 'user:v' }));
    const mod = await openSse(h.sseUrl({ room: 'sse-stealth', token: 'mod:m' }));
    await h.post('sse-stealth', { text: 'hidden', sender: 'x:t', stealth: true });
    await h.post('sse-stealth', { text: 'shown' });
    await viewer.waitFor((e) => texts(e).includes('shown'));
    await mod.waitFor((e) => texts(e).includes('shown'));
    expect(texts(viewer.events)).toEqual(['shown']);
    expect(texts(mod.events)).toEqual(['hidden', 'shown']);
    viewer.close();
    mod.close();
    const unauthorized = await openSse(h.sseUrl({ room: 'sse-stealth', guest: 1 }));
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(await unauthorized.body())).toMatchObject({ error: 'Unauthorized', status: 401 });
    const bad = await openSse(h.sseUrl({ room: 'sse-stealth', token: 'user:v' }), 'abc');
    expect(bad.status).toBe(400);
    await bad.body();
  });

  it('keeps an idle stream open with comment lines and counts it as online', async () => {
    await h.createRoom('sse-idle');
    const c = await openSse(h.sseUrl({ room: 'sse-idle', guest: 1, name: 'Lurker' }));
    await c.waitFor((e) => e.length >= 1);
    expect(h.realtime.online('sse-idle')).toBe(1);
    await until(() => c.comments() >= 2, 3000, 'two keep-alive comments');
    await h.post('sse-idle', { text: 'still here' });
    await c.waitFor((e) => texts(e).includes('still here'));
    c.close();
    await until(() => h.realtime.online('sse-idle') === 0);
  });

  it('drops an SSE stream whose client stopped reading, and the others keep receiving', async () => {
    await h.createRoom('sse-slow');
    const reader = await openSse(h.sseUrl({ room: 'sse-slow', token: 'user:r' }));
    const stalled = net.connect(h.port, '127.0.0.1', () => stalled.write('GET /sse?room=sse-slow&token=user:stalled HTTP/1.1\r\nHost: x\r\n\r\n'));
    stalled.once('data', () => stalled.pause());
    await until(() => h.realtime.online('sse-slow') === 2);
    const big = 's'.repeat(60 * 1024);
    for (let i = 0; i < 200; i++) {
      await h.post('sse-slow', { text: `${i}:${big}` });
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => h.realtime.metrics.sseDropped === 1, 10_000, 'stalled stream dropped');
    await reader.waitFor((e) => texts(e).length === 200, 20_000, 'reader got everything');
    expect(texts(reader.events).map((t) => Number(t.split(':')[0]))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(h.realtime.online('sse-slow')).toBe(1);
    stalled.destroy();
    reader.close();
  });
});
