import { describe, expect, it } from 'vitest';
import { clickhouseWorkBetween, parseClickhouseEvents } from './clickhouse-work.js';

const reading = (values: Record<string, number>) => parseClickhouseEvents(Object.entries(values).map(([k, v]) => `${k}\t${v}`).join('\n') + '\n');

describe('ClickHouse work between two readings of system.events', () => {
  it('parses event/value lines and skips anything else', () => {
    const events = parseClickhouseEvents('InsertQuery\t12\nSelectQuery\t7\n\nnot a line\nA\tb\nX\t1\t2\n');
    expect([...events]).toEqual([['InsertQuery', 12], ['SelectQuery', 7]]);
  });

  it('counts what happened between them; a counter not seen yet counts as zero', () => {
    const before = reading({ InsertQuery: 100, SelectQuery: 40, InsertedRows: 5000 });
    const after = reading({ InsertQuery: 130, SelectQuery: 45, InsertedRows: 9000, MergedRows: 20000 });
    expect(clickhouseWorkBetween(before, after)).toEqual({ inserts: 30, selects: 5, insertedRows: 4000, mergedRows: 20000 });
    expect(clickhouseWorkBetween(after, after)).toEqual({ inserts: 0, selects: 0, insertedRows: 0, mergedRows: 0 });
  });

  it('a server restarted between the readings: the second reading is what it did since', () => {
    const before = reading({ InsertQuery: 100, SelectQuery: 40, InsertedRows: 5000, MergedRows: 9 });
    const after = reading({ InsertQuery: 3, SelectQuery: 2, InsertedRows: 30, MergedRows: 0 });
    expect(clickhouseWorkBetween(before, after)).toEqual({ inserts: 3, selects: 2, insertedRows: 30, mergedRows: 0 });
  });
});
