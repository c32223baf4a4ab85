import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import type { FrameEntry } from './frame-entry.js';
import type { Principal } from './principal.js';
import type { RoomState } from './room-state.js';
import { userTopic } from './topics.js';
import { Viewer, type ViewerContext } from './viewer.js';

/** What an upgrade hands to `open`: the admitted viewer's room, principal and resume point. */
export interface Admission {
  room: RoomState;
  principal: Principal;
  since: number | null;
  /** The client's address (`X-Forwarded-For` behind a trusted proxy): sends count against its per-IP limit. */
  ip: string;
  /** Set once the room's reservation for this upgrade is given back (open or abort). */
  released: boolean;
}

export interface WsUserData {
  admission: Admission;
  viewer: WsViewer | null;
}

export class WsViewer extends Viewer {
  /** Set when the node closes it for not reading (close code 4008). */
  slow = false;

  constructor(
    private readonly ws: WebSocket<WsUserData>,
    room: RoomState,
    principal: Principal,
    ctx: ViewerContext,
    since: number | null,
  ) {
    super(room, principal, ctx, since);
  }

  protected write(entry: FrameEntry): void {
    this.ws.send(entry.json, false, false);
  }

  writeControl(json: Buffer): void {
    if (!this.closed) this.ws.send(json, false, false);
  }

  buffered(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  protected subscribe(): void {
    this.ws.subscribe(this.room.topic);
    // Moderators see every stealth frame on the moderators' topic; others only their own.
    if (this.principal.isModerator) this.ws.subscribe(this.room.modTopic);
    else this.ws.subscribe(userTopic(this.room.id, this.principal.userId));
  }

  cork(fn: () => void): void {
    if (!this.closed) this.ws.cork(fn);
  }

  end(code: number, reason: string): void {
    if (!this.closed) this.ws.end(code, reason);
  }
}
