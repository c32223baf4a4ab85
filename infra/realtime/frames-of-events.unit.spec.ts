import { describe, expect, it } from 'vitest';
import { serverFrame } from '@parley/contracts/frames';
import { canSee } from './frame-entry.js';
import { frameEntryOf, payloadAndMetaOf, roomFrameOf } from './frames-of-events.js';

const posted = (over: Record<string, unknown> = {}) => ({
  type: 'ChatMessagePosted',
  revision: 7,
  data: { roomId: 'r', messageId: 'm1', kind: 'chat', payload: { text: 'hi' }, sender: 'yt:1', visibility: 'all', via: 'ingress', at: 1700, ...over },
});

describe('roomFrameOf', () => {
  it('maps ChatMessagePosted to msg with seq = revision and meta passed through unchanged', () => {
    const f = roomFrameOf('r', posted({ meta: { a: [1, { b: null }] } }))!;
    expect(f.frame).toEqual({ t: 'msg', room: 'r', seq: 7, id: 'm1', kind: 'chat', ts: 1700, sender: 'yt:1', payload: { text: 'hi' }, meta: { a: [1, { b: null }] } });
    expect(f.audience).toEqual({ kind: 'all' });
    expect(serverFrame.parse(f.frame)).toEqual(f.frame);
    expect('meta' in roomFrameOf('r', posted())!.frame).toBe(false);
  });

  it('gives stealth messages to moderators and the sender only', () => {
    const f = roomFrameOf('r', posted({ visibility: 'moderators_and_sender' }))!;
    expect(canSee(f.audience, { userId: 'yt:1', isModerator: false })).toBe(true);
    expect(canSee(f.audience, { userId: 'yt:2', isModerator: false })).toBe(false);
    expect(canSee(f.audience, { userId: 'yt:2', isModerator: true })).toBe(true);
  });

  it('maps removals and moderation; a stealth action is for moderators only', () => {
    expect(roomFrameOf('r', { type: 'ChatMessageRemoved', revision: 3, data: { roomId: 'r', messageId: 'm1', actor: 'a', reason: null, at: 1 } })!.frame).toEqual({
      t: 'removed',
      room: 'r',
      seq: 3,
      id: 'm1',
    });
    const ban = roomFrameOf('r', { type: 'UserModerated', revision: 4, data: { roomId: 'r', action: 'ban', target: 'tw:9', until: 99, reason: 'x', actor: 'a', at: 1 } })!;
    expect(ban.frame).toEqual({ t: 'mod', room: 'r', seq: 4, action: 'ban', target: 'tw:9', until: 99 });
    expect(ban.audience.kind).toBe('all');
    const stealth = roomFrameOf('r', { type: 'UserModerated', revision: 5, data: { roomId: 'r', action: 'stealth', target: 'tw:9', until: null, reason: null, actor: 'a', at: 1 } })!;
    expect(canSee(stealth.audience, { userId: 'tw:9', isModerator: false })).toBe(false);
    expect(canSee(stealth.audience, { userId: 'm', isModerator: true })).toBe(true);
  });

  it('makes no frame for room settings, keys and secrets', () => {
    for (const type of ['RoomCreated', 'RoomUpdated', 'ApiKeyIssued', 'WebhookSecretSet']) expect(roomFrameOf('r', { type, revision: 1, data: {} })).toBeNull();
  });
});

describe('frameEntryOf', () => {
  const encodedWhole = (event: ReturnType<typeof posted>) => JSON.stringify(roomFrameOf('r', event)!.frame);
  const withJson = (event: ReturnType<typeof posted>) => ({ ...event, dataJson: JSON.stringify(event.data) });

  it("cuts a chat message's payload and meta from the stored data JSON, to the bytes of encoding the frame whole", () => {
    const tricky = [
      posted(),
      posted({ meta: { sentAt: 1, seq: 2 } }),
      posted({ payload: { text: ',"sender":"x","payload":{"meta":1}}', nested: { sender: 'a', meta: [',"meta":'] } } }),
      posted({ sender: 'yt:"quoted",\"sender\":', meta: ',"sender":null' }),
      posted({ sender: null, meta: null, payload: { text: 'é ☃ \u0000' } }),
      posted({ visibility: 'moderators_and_sender', meta: [] }),
    ];
    for (const event of tricky) {
      const entry = frameEntryOf('r', withJson(event))!;
      expect(entry.json.toString(), JSON.stringify(event.data)).toBe(encodedWhole(event));
      expect(entry.audience).toEqual(roomFrameOf('r', event)!.audience);
      expect(entry.seq).toBe(7);
    }
  });

  it('encodes the frame whole when the data JSON is not in the order the decider writes', () => {
    const event = posted({ meta: { m: 1 } });
    const { roomId, messageId, kind, payload, meta, sender, visibility, via, at } = event.data as typeof event.data & { meta: unknown };
    const senderFirst = { ...event, dataJson: JSON.stringify({ sender, roomId, messageId, kind, payload, meta, visibility, via, at }) };
    const metaLast = { ...event, dataJson: JSON.stringify({ roomId, messageId, kind, payload, sender, visibility, via, at, meta }) };
    expect(payloadAndMetaOf(senderFirst.dataJson)).toBeNull();
    expect(payloadAndMetaOf(metaLast.dataJson)).toBe('"payload":{"text":"hi"}');
    for (const e of [senderFirst, metaLast]) expect(frameEntryOf('r', e)!.json.toString()).toBe(encodedWhole(event));
  });
});
