import { describe, expect, it } from 'vitest';
import { WrongExpectedRevisionError } from '../port.js';
import { planBatch, type StoreSnapshot } from './plan-batch.js';

const empty: StoreSnapshot = { head: 0, events: new Map(), streams: new Map() };
const ev = (id: string, type = 'T') => ({ id, type, data: { id } });

describe('planBatch', () => {
  it('numbers new events from the head on, stream revisions from the stream on', () => {
    const plan = planBatch(
      [
        { stream: 'a', events: [ev('1'), ev('2')], expected: 'no_stream' },
        { stream: 'b', events: [ev('3')], expected: 4 },
      ],
      { head: 10, events: new Map(), streams: new Map([['b', 4]]) },
      99,
    );
    expect(plan.rows.map((r) => [r.position, r.stream, r.revision, r.recordedAt])).toEqual([
      [11, 'a', 0, 99],
      [12, 'a', 1, 99],
      [13, 'b', 5, 99],
    ]);
    expect(plan.outcomes).toEqual([
      { ok: true, value: { lastRevision: 1, position: 12, duplicate: false } },
      { ok: true, value: { lastRevision: 5, position: 13, duplicate: false } },
    ]);
    expect([...plan.streamRevisions]).toEqual([['a', 1], ['b', 5]]);
    expect(plan.head).toBe(13);
  });

  it('lets a later append of the batch see an earlier one: the second no_stream on one stream fails', () => {
    const plan = planBatch(
      [
        { stream: 's', events: [ev('1')], expected: 'no_stream' },
        { stream: 's', events: [ev('2')], expected: 'no_stream' },
        { stream: 's', events: [ev('3')], expected: 0 },
      ],
      empty,
      0,
    );
    expect(plan.outcomes[0]!.ok).toBe(true);
    expect(!plan.outcomes[1]!.ok && plan.outcomes[1]!.error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(plan.outcomes[2]).toEqual({ ok: true, value: { lastRevision: 1, position: 2, duplicate: false } });
    expect(plan.rows.map((r) => r.id)).toEqual(['1', '3']);
  });

  it('answers a stored first id with the first result and writes nothing', () => {
    const plan = planBatch(
      [{ stream: 's', events: [ev('x'), ev('y')], expected: 'no_stream' }],
      { head: 7, events: new Map([['x', { revision: 0, position: 6 }], ['y', { revision: 1, position: 7 }]]), streams: new Map([['s', 1]]) },
      0,
    );
    expect(plan.outcomes).toEqual([{ ok: true, value: { lastRevision: 1, position: 7, duplicate: true } }]);
    expect(plan.rows).toEqual([]);
    expect(plan.head).toBe(7);
  });

  it('treats the same append twice in one batch as one append and one duplicate', () => {
    const events = [ev('p'), ev('q')];
    const plan = planBatch([{ stream: 's', events, expected: 'no_stream' }, { stream: 's', events, expected: 'no_stream' }], empty, 0);
    expect(plan.outcomes.map((o) => o.ok && o.value)).toEqual([
      { lastRevision: 1, position: 2, duplicate: false },
      { lastRevision: 1, position: 2, duplicate: true },
    ]);
    expect(plan.rows).toHaveLength(2);
  });

  it('rejects an append that repeats an id inside itself or reuses a stored one after a new first id', () => {
    const plan = planBatch(
      [
        { stream: 's', events: [ev('n'), ev('n')], expected: 'any' },
        { stream: 's', events: [ev('m'), ev('old')], expected: 'any' },
      ],
      { head: 1, events: new Map([['old', { revision: 0, position: 1 }]]), streams: new Map([['s', 0]]) },
      0,
    );
    expect(plan.outcomes.every((o) => !o.ok)).toBe(true);
    expect(plan.rows).toEqual([]);
  });
});
