import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteEventStore, type EventStore } from '@parley/infra/event-store';
import { appendsHeldBehindRelay } from './appends-behind-relay.js';

const event = () => [{ id: randomUUID(), type: 'Noted', data: {} }];
/** A relay the test moves by hand. */
const handMovedRelay = () => {
  let at = 0;
  let waiting: Array<() => void> = [];
  return {
    position: () => at,
    moved: () => new Promise<void>((r) => waiting.push(r)),
    moveTo(position: number) {
      at = position;
      const settle = waiting;
      waiting = [];
      for (const s of settle) s();
    },
  };
};
const settledWithin = async (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('appendsHeldBehindRelay', () => {
  let store: EventStore;
  afterEach(async () => {
    await store.close();
  });

  it('lets appends through up to maxBehind events ahead of the relay, then holds them until it catches up', async () => {
    store = sqliteEventStore({ file: ':memory:' });
    const relay = handMovedRelay();
    const held = appendsHeldBehindRelay(store, () => relay, 2);
    for (let i = 0; i < 3; i++) await held.append('s', event(), 'any');
    const fourth = held.append('s', event(), 'any');
    const fifth = held.append('s', event(), 'any');
    expect(await settledWithin(fourth, 50)).toBe(false);
    expect(await store.headPosition()).toBe(3);
    relay.moveTo(0); // woken, but still three behind: held
    expect(await settledWithin(fourth, 50)).toBe(false);
    relay.moveTo(2); // one behind the last append: both go on
    await expect(fourth).resolves.toMatchObject({ position: 4 });
    await expect(fifth).resolves.toMatchObject({ position: 5 });
    // Reads pass through.
    expect((await held.readAll(0, 10)).map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets held appends go when the relay stops (it gives null from then on)', async () => {
    store = sqliteEventStore({ file: ':memory:' });
    const relay = handMovedRelay();
    let stopped = false;
    const held = appendsHeldBehindRelay(store, () => (stopped ? null : relay), 0);
    await held.append('s', event(), 'any');
    const second = held.append('s', event(), 'any');
    expect(await settledWithin(second, 50)).toBe(false);
    stopped = true;
    relay.moveTo(0); // a stopping relay settles its waiters without moving
    await expect(second).resolves.toMatchObject({ position: 2 });
  });

  it('holds nothing where the process runs no relay', async () => {
    store = sqliteEventStore({ file: ':memory:' });
    const held = appendsHeldBehindRelay(store, () => null, 0);
    for (let i = 0; i < 5; i++) expect(await settledWithin(held.append('s', event(), 'any'), 1000)).toBe(true);
  });
});
