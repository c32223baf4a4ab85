import { describe, expect, it } from 'vitest';
import { clientFrame, serverFrame } from './index.js';

describe('WebSocket frames', () => {
  it('accepts every documented server frame', () => {
    const frames = [
      { t: 'hello', room: 'r', seq: -1, online: 0, you: { userId: 'u', roles: [] } },
      { t: 'msg', room: 'r', seq: 3, id: 'm', kind: 'chat', ts: 1, sender: null, payload: { text: 'x' } },
      { t: 'msg', room: 'r', seq: 3, id: 'm', kind: 'event', ts: 1, sender: 'a:b', payload: {}, meta: [1, 'two'] },
      { t: 'removed', room: 'r', seq: 4, id: 'm' },
      { t: 'mod', room: 'r', seq: 5, action: 'ban', target: 'a:b', until: null },
      { t: 'presence', room: 'r', seq: 5, online: 12 },
      { t: 'resync', room: 'r', from: 6, to: 900, reason: 'too_far_behind' },
      { t: 'error', code: 'filtered', message: 'no', nonce: 'n' },
      { t: 'pong' },
    ];
    for (const f of frames) expect(serverFrame.parse(f)).toEqual(f);
  });

  it('rejects malformed frames', () => {
    expect(serverFrame.safeParse({ t: 'msg', room: 'r', seq: -1, id: 'm', kind: 'chat', ts: 1, sender: null, payload: {} }).success).toBe(false);
    expect(serverFrame.safeParse({ t: 'mod', room: 'r', seq: 1, action: 'kick', target: 'a', until: null }).success).toBe(false);
    expect(clientFrame.safeParse({ t: 'send', text: '' }).success).toBe(false);
    expect(clientFrame.safeParse({ t: 'send', text: 'x', nonce: 'n'.repeat(65) }).success).toBe(false);
    expect(clientFrame.safeParse({ t: 'shout' }).success).toBe(false);
  });

  it('accepts client send and ping', () => {
    expect(clientFrame.parse({ t: 'send', text: 'hi', meta: { a: 1 }, nonce: 'n1' })).toEqual({ t: 'send', text: 'hi', meta: { a: 1 }, nonce: 'n1' });
    expect(clientFrame.parse({ t: 'ping' })).toEqual({ t: 'ping' });
  });
});
