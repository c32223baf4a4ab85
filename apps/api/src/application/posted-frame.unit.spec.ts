import { describe, expect, it } from 'vitest';
import { decidePost, evolveRoom, initialRoomState, type PostMessage } from '@parley/domain/rooms';
import { frameEntryOf, roomFrameOf } from '@parley/infra/realtime';

// Realtime cuts a chat frame's payload and meta out of the data JSON the store wrote, relying on
// the order in which the room decider writes a ChatMessagePosted's data. This pins that order.
describe("a posted message's frame, cut from its stored data JSON", () => {
  const room = evolveRoom(initialRoomState, {
    type: 'RoomCreated',
    data: { roomId: 'r1', name: 'Room', owner: 'owner', allowedProviders: ['guest'], maxViewers: null, createdAt: 1 },
  });
  const post = (over: Partial<PostMessage>): PostMessage => ({
    type: 'PostMessage',
    messageId: 'm1',
    kind: 'chat',
    payload: { text: 'hi ,"sender":"x"', displayName: 'webhook' },
    sender: 'yt:1',
    via: 'ingress',
    textBlocked: false,
    at: 1700,
    ...over,
  });

  it('has the bytes of the frame encoded whole, with and without meta, from any sender', () => {
    for (const command of [post({}), post({ meta: { sentAt: 5, note: ',"meta":' } }), post({ sender: null, meta: null })]) {
      const outcome = decidePost(command, room);
      if (!('status' in outcome) || outcome.status !== 'queued') throw new Error('not queued');
      const [event] = outcome.events;
      const stored = { type: event!.type, data: event!.data, revision: 3, dataJson: JSON.stringify(event!.data) };
      expect(frameEntryOf('r1', stored)!.json.toString()).toBe(JSON.stringify(roomFrameOf('r1', stored)!.frame));
      // Cut, not encoded again: the same frame from data that no longer matches its JSON shows which was used.
      const cut = frameEntryOf('r1', { ...stored, data: { ...(event!.data as object), payload: { text: 'other' } } })!.json.toString();
      expect(cut).toContain('"payload":{"text":"hi ,\\"sender\\":\\"x\\""');
    }
  });
});
