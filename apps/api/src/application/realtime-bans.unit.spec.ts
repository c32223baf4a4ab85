import { describe, expect, it } from 'vitest';
import { banRecheck } from './realtime-bans.js';

const NOW = 1_700_000_000_000;
const moderated = (action: string, until: number | null, stream = 'room-r1') => ({
  stream,
  type: 'UserModerated',
  data: { roomId: 'r1', action, target: 'discord:erin', until, reason: null, actor: 'discord:owner', at: NOW },
});

describe('banRecheck', () => {
  const { revokedBy } = banRecheck(() => NOW);

  it('shuts the banned user out of that room, for a permanent or a running temporary ban', () => {
    expect(revokedBy(moderated('ban', null))).toEqual({ roomId: 'r1', userId: 'discord:erin' });
    expect(revokedBy(moderated('ban', NOW + 60_000))).toEqual({ roomId: 'r1', userId: 'discord:erin' });
  });

  it('closes nothing for a ban already over when it arrives, for other actions, or other events', () => {
    expect(revokedBy(moderated('ban', NOW))).toBeUndefined();
    for (const action of ['mute', 'stealth', 'unban', 'unmute']) expect(revokedBy(moderated(action, null))).toBeUndefined();
    expect(revokedBy({ stream: 'room-r1', type: 'ChatMessagePosted', data: {} })).toBeUndefined();
    expect(revokedBy(moderated('ban', null, 'user-erin'))).toBeUndefined();
  });
});
