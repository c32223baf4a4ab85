import type { ChatMessagePosted, ChatMessageRemoved, RoomEvent, UserModerated } from '@parley/contracts/events';
import type { RoomEventFrame } from '@parley/contracts/frames';
import type { StoredEvent } from '../event-store/port.js';
import { entryOf, everyone, type Audience, type FrameEntry } from './frame-entry.js';

export interface RoomFrame {
  frame: RoomEventFrame;
  audience: Audience;
}

const moderatorsAnd = (sender: string | null): Audience => ({ kind: 'moderators_and_sender', sender });

const msgAudience = (data: ChatMessagePosted['data']): Audience => (data.visibility === 'moderators_and_sender' ? moderatorsAnd(data.sender) : everyone);

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
  audience: msgAudience(data),
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

/**
 * `"payload":…` (and `,"meta":…` when there is one) as they stand in a ChatMessagePosted's data
 * JSON, or null when the text is not in the order the decider writes it (roomId, messageId, kind,
 * payload, meta?, sender, visibility, via, at). In that order the first `,"payload":` and the last
 * `,"sender":` are those keys: around them are only strings, numbers and null, and a quote inside
 * a string is escaped.
 */
export function payloadAndMetaOf(dataJson: string): string | null {
  const from = dataJson.indexOf(',"payload":');
  const to = dataJson.lastIndexOf(',"sender":');
  return from > 0 && to > from ? dataJson.slice(from + 1, to) : null;
}

const q = JSON.stringify;

/**
 * The frame a room event becomes, encoded once for every socket and the ring. A chat message's
 * payload and meta, most of its bytes, are cut from the data JSON the store wrote when it has it
 * (`dataJson`) instead of being encoded a second time; the bytes are those of `JSON.stringify`.
 */
export function frameEntryOf(room: string, event: Pick<StoredEvent, 'type' | 'data' | 'revision' | 'dataJson'>): FrameEntry | null {
  if (event.type === 'ChatMessagePosted' && event.dataJson !== undefined) {
    const payloadAndMeta = payloadAndMetaOf(event.dataJson);
    const d = event.data as ChatMessagePosted['data'];
    // A meta written after sender would be cut off: then the frame is encoded whole.
    if (payloadAndMeta !== null && (d.meta === undefined || payloadAndMeta.includes(',"meta":'))) {
      const json = `{"t":"msg","room":${q(room)},"seq":${event.revision},"id":${q(d.messageId)},"kind":${q(d.kind)},"ts":${q(d.at)},"sender":${q(d.sender)},${payloadAndMeta}}`;
      return { seq: event.revision, audience: msgAudience(d), json: Buffer.from(json) };
    }
  }
  const f = roomFrameOf(room, event);
  return f ? entryOf(f.frame, f.audience) : null;
}
