import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packAppends, unpackAppends } from './packed-appends.mjs';
import { sqliteEventStore } from './sqlite-event-store.js';
import type { EncodedAppend } from './sqlite-writer.mjs';

const event = (data: unknown, type = 'ChatMessagePosted') => ({ id: randomUUID(), type, data: JSON.stringify(data), metadata: JSON.stringify({ by: 'x' }) });

describe('packed appends (writer hand-off)', () => {
  it('unpacks exactly what was packed: several streams, every kind of expected revision, control characters in the JSON', () => {
    const appends: EncodedAppend[] = [
      { stream: 'room-a', expected: 'any', events: [event({ text: 'a\u001eb\u001fc\n"q"\\' }), event({ text: '' })] },
      { stream: 'room-b', expected: 'no_stream', events: [event({ n: 1 }, 'RoomCreated')] },
      { stream: 'room-c', expected: 'stream_exists', events: [event({})] },
      { stream: 'room-d', expected: 41, events: [event([1, 2, 3])] },
      { stream: 'room-e', expected: 0, events: [event({ emoji: '💬', rtl: 'مرحبا' })] },
    ];
    const packed = packAppends(appends);
    expect(packed).not.toBeNull();
    expect(unpackAppends(packed!)).toEqual(appends);
  });

  it('refuses to pack a name that contains a separator (the batch then goes as objects)', () => {
    expect(packAppends([{ stream: 'room-\u001e', expected: 'any', events: [event({})] }])).toBeNull();
    expect(packAppends([{ stream: 'room-a', expected: 'any', events: [{ ...event({}), id: 'x\u001fy' }] }])).toBeNull();
  });

  it('stores and reads back such a stream through the writer thread', async () => {
    const store = sqliteEventStore({ file: join(mkdtempSync(join(tmpdir(), 'parley-pack-')), 'events.db') });
    const odd = 'room-\u001eodd\u001f';
    await store.append(odd, [{ id: randomUUID(), type: 'A', data: { text: 'x\u001ey' } }], 'no_stream');
    await store.append('room-plain', [{ id: randomUUID(), type: 'B', data: { text: 'z\u001f' } }], 'no_stream');
    expect((await store.readStream(odd)).map((e) => e.data)).toEqual([{ text: 'x\u001ey' }]);
    expect((await store.readStream('room-plain')).map((e) => e.data)).toEqual([{ text: 'z\u001f' }]);
    await store.close();
  });
});
