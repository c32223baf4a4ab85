import type { RoomEventFrame, ServerFrame } from '@parley/contracts/frames';

/** Who may receive a frame: everyone in the room, or moderators plus the sender's own connections (stealth). */
export type Audience = { readonly kind: 'all' } | { readonly kind: 'moderators_and_sender'; readonly sender: string | null };

export const everyone: Audience = { kind: 'all' };

export interface Viewpoint {
  userId: string;
  isModerator: boolean;
}

export const canSee = (audience: Audience, who: Viewpoint): boolean =>
  audience.kind === 'all' || who.isModerator || (audience.sender !== null && audience.sender === who.userId);

/** One replayable frame, encoded once and shared by every socket and the ring buffer. */
export interface FrameEntry {
  readonly seq: number;
  readonly audience: Audience;
  readonly json: Buffer;
  /** The same frame as one SSE event (`id:` + `data:`), encoded on first use. */
  sse?: Buffer;
}

export const encodeFrame = (frame: ServerFrame): Buffer => Buffer.from(JSON.stringify(frame));

export const sseEventOf = (id: number, json: Buffer): Buffer => Buffer.concat([Buffer.from(`id: ${id}\ndata: `), json, Buffer.from('\n\n')]);

export const sseBytesOf = (entry: FrameEntry): Buffer => (entry.sse ??= sseEventOf(entry.seq, entry.json));

export const entryOf = (frame: RoomEventFrame, audience: Audience): FrameEntry => ({ seq: frame.seq, audience, json: encodeFrame(frame) });
