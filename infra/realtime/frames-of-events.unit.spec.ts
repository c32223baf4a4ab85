import { describe, expect, it } from 'vitest';
import { serverFrame } from '@parley/contracts/frames';
import { canSee } from './frame-entry.js';
import { roomFrameOf } from './frames-of-events.js';

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
