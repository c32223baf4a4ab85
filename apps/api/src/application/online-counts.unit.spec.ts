import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pollOnlineCounts, type OnlineCounts } from './online-counts.js';

/** A stand-in fan-out node: answers `GET /internal/online` with whatever `rooms` holds now (only with `key`, when given). */
async function fanoutNode(rooms: Record<string, number>, delayMs = 0, key?: string) {
  let asked = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/internal/online') return void res.writeHead(404).end();
    if (key !== undefined && req.headers['x-parley-internal-key'] !== key) return void res.writeHead(404).end();
    asked++;
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rooms })), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rooms,
    asked: () => asked,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (check: () => boolean, what: string) => {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

let counts: OnlineCounts | undefined;
afterEach(() => counts?.stop());

describe('pollOnlineCounts', () => {
  it('adds up the viewers every fan-out node reports, and follows changes', async () => {
    const a = await fanoutNode({ r1: 3, r2: 1 });
    const b = await fanoutNode({ r1: 2 });
    counts = pollOnlineCounts([a.url, b.url], { intervalMs: 50 });
    await until(() => counts!.online('r1') === 5, 'r1 = 5');
    expect(counts.online('r2')).toBe(1);
    expect(counts.online('nobody')).toBe(0);
    delete b.rooms.r1;
    b.rooms.r3 = 7;
    await until(() => counts!.online('r1') === 3 && counts!.online('r3') === 7, 'the new counts');
    await Promise.all([a.close(), b.close()]);
  });

  it('asks with the headers it was given (the cluster key), and counts nothing from a node that refuses it', async () => {
    const node = await fanoutNode({ r1: 2 }, 0, 'k1');
    counts = pollOnlineCounts([node.url], { intervalMs: 50, headers: { 'x-parley-internal-key': 'k1' } });
    await until(() => counts!.online('r1') === 2, 'r1 = 2 with the key');
    counts.stop();
    counts = pollOnlineCounts([node.url], { intervalMs: 50, headers: { 'x-parley-internal-key': 'other' } });
    const askedBefore = node.asked();
    await new Promise((r) => setTimeout(r, 200));
    expect(node.asked()).toBe(askedBefore);
    expect(counts.online('r1')).toBe(0);
    await node.close();
  });

  it('forgets a node that stops answering once its answer is stale', async () => {
    const a = await fanoutNode({ r1: 4 });
    const b = await fanoutNode({ r1: 1 });
    counts = pollOnlineCounts([a.url, b.url], { intervalMs: 50, staleMs: 300 });
    await until(() => counts!.online('r1') === 5, 'both nodes counted');
    await b.close();
    await until(() => counts!.online('r1') === 4, 'the silent node dropped');
    await a.close();
  });

  it('counts a node that answers slower than the interval, asking it one round at a time', async () => {
    const slow = await fanoutNode({ r1: 6 }, 250);
    counts = pollOnlineCounts([slow.url], { intervalMs: 50 });
    await until(() => counts!.online('r1') === 6, 'the slow answer counted');
    // 250 ms answers at a 50 ms interval: rounds wait for each other instead of stacking up.
    expect(slow.asked()).toBeLessThanOrEqual(2);
    counts.stop();
    await slow.close();
  });
});
