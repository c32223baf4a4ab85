import type { ChatMessagePosted, ChatMessageRemoved, RoomEvent, UserModerated } from '@parley/contracts/events';
import type { RoomEventFrame } from '@parley/contracts/frames';
import type { StoredEvent } from '../event-store/port.js';
import { entryOf, everyone, type Audience, type FrameEntry } from './frame-entry.js';

export interface RoomFrame {
  frame: RoomEventFrame;
  audience: Audience;
}

const moderatorsAnd = (sender: string | null): Audience => ({ kind: 'moderators_and_sender', sender });

const msgOf = (room: string, seq: number, data: ChatMessagePosted['data']): RoomFrame => ({
  frame: {
    t: 'msg',
    room,
    seq,
    id: data.messageId,
    kind: data.kind,
    ts: data.at,
    sender: data.sender,
    payload: data.payload,
    ...(data.meta === undefined ? {} : { meta: data.meta }),
  },
  audience: data.visibility === 'moderators_and_sender' ? moderatorsAnd(data.sender) : everyone,
});

const removedOf = (room: string, seq: number, data: ChatMessageRemoved['data']): RoomFrame => ({
  frame: { t: 'removed', room, seq, id: data.messageId },
  audience: everyone,
});

/** A stealth action must not tell its target: only moderators see it. */
const modOf = (room: string, seq: number, data: UserModerated['data']): RoomFrame => ({
  frame: { t: 'mod', room, seq, action: data.action, target: data.target, until: data.until },
  audience: data.action === 'stealth' ? moderatorsAnd(null) : everyone,
});

/**
 * The frame a room event becomes, or null for events viewers never see (room settings, keys,
 * secrets). `seq` is the event's stream revision.
 */
export function roomFrameOf(room: string, event: Pick<StoredEvent, 'type' | 'data' | 'revision'>): RoomFrame | null {
  const e = { type: event.type, data: event.data } as RoomEvent;
  switch (e.type) {
    case 'ChatMessagePosted':
      return msgOf(room, event.revision, e.data);
    case 'ChatMessageRemoved':
      return removedOf(room, event.revision, e.data);
    case 'UserModerated':
      return modOf(room, event.revision, e.data);
    default:
      return null;
  }
}

export function frameEntryOf(room: string, event: Pick<StoredEvent, 'type' | 'data' | 'revision'>): FrameEntry | null {
  const f = roomFrameOf(room, event);
  return f ? entryOf(f.frame, f.audience) : null;
}
