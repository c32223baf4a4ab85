import { sqliteEventStore } from '@parley/infra/event-store';
import { describe, expect, it } from 'vitest';
import { RoomService } from './room-service.js';

const owner = { userId: 'discord:owner', roomRoles: [], credential: 'identity' as const };
const create = { type: 'CreateRoom' as const, roomId: 'r1', name: 'one', owner: 'discord:owner', allowedProviders: ['guest'], maxViewers: null, apiKeyHash: 'h', apiKeyPrefix: 'p', webhookSecret: 'whsec_first', at: 1 };
const rotate = (secret: string, at: number) => ({ type: 'RotateWebhookSecret' as const, actor: owner, secret, graceMs: 60_000, at });

describe('RoomService room-state cache', () => {
  it('does not apply its own appends again when the bus echoes them (a rotation keeps the right previous secret)', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const rooms = new RoomService(store);
    await rooms.execute('r1', create);
    await rooms.execute('r1', rotate('whsec_second', 2));
    const log = await store.readAll(0, 100);
    rooms.observe(log);
    rooms.observe(log.slice(-1)); // the rotation delivered again (the bus is at least once)
    const state = await rooms.state('r1');
    expect(state?.webhookSecret).toBe('whsec_second');
    expect(state?.previousWebhookSecret).toBe('whsec_first');
    await store.close();
  });

  it('applies another node’s appends once each, in order, whatever was in its snapshot', async () => {
    const store = sqliteEventStore({ file: ':memory:' });
    const nodeA = new RoomService(store);
    const nodeB = new RoomService(store);
    await nodeA.execute('r1', create);
    await nodeB.execute('r1', rotate('whsec_second', 2));
    // Node A loaded nothing new yet; B rotates again, then A sees the whole log, twice over.
    await nodeB.execute('r1', rotate('whsec_third', 3));
    const log = await store.readAll(0, 100);
    nodeA.observe(log);
    nodeA.observe(log.slice(-2, -1)); // the first rotation delivered again
    const a = await nodeA.state('r1');
    expect(a?.webhookSecret).toBe('whsec_third');
    expect(a?.previousWebhookSecret).toBe('whsec_second');

    // A node that loads the room after the rotations (snapshot) ignores their late delivery.
    const nodeC = new RoomService(store);
    expect((await nodeC.state('r1'))?.previousWebhookSecret).toBe('whsec_second');
    nodeC.observe(log.slice(1, 2));
    expect(await nodeC.state('r1')).toMatchObject({ webhookSecret: 'whsec_third', previousWebhookSecret: 'whsec_second' });
    await store.close();
  });
});
