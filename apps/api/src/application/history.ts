import type { history as historyContract } from '@parley/contracts';
import { activeRestrictions, isModerator, type RoomState } from '@parley/domain/rooms';
import { history, type TimelineMessage, type TimelineViewer } from '@parley/projections/timeline';
import type { ApiContext } from '../context.js';
import { actorOn, credentialRefusal, type Caller } from './caller.js';
import { isRefusal, refuse, type Refusal } from './outcome.js';

/** How long a history read waits for the timeline to reach the store head (read-your-writes). */
const READ_YOUR_WRITES_MS = 1000;

/**
 * Whose eyes a history read uses, or why the caller may not read the room at all:
 * - a room token for this room reads as its user (a moderator token, or a listed moderator, sees stealth messages);
 * - an identity token must be the owner's or a listed moderator's;
 * - the room API key reads as a moderator (it can mint a moderator token anyway).
 * A banned user's token is refused, as it is at the realtime endpoints.
 */
export function historyViewer(state: RoomState, caller: Caller, now: number): TimelineViewer | Refusal {
  const actor = actorOn(state, caller);
  if (isRefusal(actor)) return actor;
  if (actor.credential === 'api_key') return { userId: null, isModerator: true };
  const moderator = isModerator(state, actor);
  if (actor.credential === 'identity' && !moderator) return refuse('forbidden', 'Requires a room token, or the owner or a moderator identity');
  if (actor.userId !== null && !moderator && activeRestrictions(state, actor.userId, now).banned) return refuse('forbidden', 'Banned from this room');
  return { userId: actor.userId, isModerator: moderator };
}

function messageView(m: TimelineMessage): historyContract.HistoryMessage {
  return {
    seq: m.seq,
    id: m.messageId,
    kind: m.kind,
    ts: m.at,
    sender: m.sender,
    payload: m.payload,
    ...(m.meta !== undefined ? { meta: m.meta } : {}),
    removed: m.removed,
    stealth: m.visibility === 'moderators_and_sender',
  };
}

/** A page of a room's history as the caller may see it, after the timeline caught up with the store. */
export async function readHistory(
  ctx: ApiContext,
  roomId: string,
  caller: Caller,
  query: historyContract.HistoryQuery,
): Promise<historyContract.HistoryResponse | Refusal> {
  const state = await ctx.rooms.state(roomId);
  if (!state) {
    // A bad credential is reported before an unknown room, so probing room ids needs a valid token.
    if (caller.kind === 'invalid' || caller.kind === 'anonymous') return credentialRefusal(caller)!;
    return refuse('not_found', "Room doesn't exist");
  }
  const viewer = historyViewer(state, caller, ctx.now());
  if (isRefusal(viewer)) return viewer;
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  const page = history(ctx.readModels.db, roomId, {
    viewer,
    limit: query.limit,
    ...(query.before !== undefined ? { before: query.before } : {}),
    ...(query.after !== undefined ? { after: query.after } : {}),
  });
  return { room: roomId, messages: page.messages.map(messageView), has_more: page.hasMore };
}
