import type { simpleRooms } from '@parley/contracts';
import { isDomainError } from '@parley/domain';
import { listRoomViews, toRoomUsersView, toRoomView, usernameKey, viewerOf, type SimpleRoom, type SimpleRoomCommand, type Viewer } from '@parley/domain/simple-rooms';
import { visibleSimpleRooms } from '@parley/projections/simple-rooms';
import type { ApiContext } from '../context.js';
import type { AccountSession } from './account-session.js';
import { shortId } from './ids.js';
import { refuse, refusalOf, type Refusal } from './outcome.js';
import { perContext } from './per-context.js';
import { ensureChatRoom } from './simple-room-chat-room.js';
import { SimpleRoomStore } from './simple-room-store.js';

/**
 * The simple-rooms use cases (`/api/rooms` and tRPC `simpleRooms.*`). `session` is the
 * authenticated account (null: anonymous). Who may do what is decided by the domain's
 * `authorize`; a private room a caller may not see is `not_found`, never `forbidden`.
 *
 * Chat in a simple room `<id>` uses the stream-room machinery under room id `sr-<id>`
 * (stream `room-sr-<id>`, see simple-room-chat-room.ts): creating a simple room opens its chat
 * room too; simple-room-chat.ts has the chat use cases.
 */

export const roomStoreOf = perContext((ctx) => new SimpleRoomStore(ctx.store));

export { chatRoomIdOf } from './simple-room-chat-room.js';

const READ_YOUR_WRITES_MS = 1000;
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ROOM_ID_ATTEMPTS = 3;

export const isSimpleRoomId = (roomId: string): boolean => ROOM_ID.test(roomId);

type Success = { success: true };
const SUCCESS: Success = { success: true };

const notFound = () => refuse('not_found', 'Room not found');
const unauthenticated = () => refuse('unauthenticated', 'Authentication required');

const viewerFor = (ctx: ApiContext, session: AccountSession | null): Viewer | null => (session ? viewerOf(session.username, ctx.config.PARLEY_ADMINS) : null);

export async function listRooms(ctx: ApiContext, session: AccountSession | null): Promise<{ rooms: simpleRooms.Room[] }> {
  // Read your own writes: a room created or joined a moment ago is in the list.
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  const viewer = viewerFor(ctx, session);
  return { rooms: listRoomViews(visibleSimpleRooms(ctx.readModels.db, viewer?.username ?? null), viewer) };
}

export async function getRoom(ctx: ApiContext, session: AccountSession | null, roomId: string): Promise<{ room: simpleRooms.Room } | Refusal> {
  if (!ROOM_ID.test(roomId)) return notFound();
  const view = toRoomView(await roomStoreOf(ctx).state(roomId), viewerFor(ctx, session));
  return view ? { room: view } : notFound();
}

export async function roomUsers(ctx: ApiContext, session: AccountSession | null, roomId: string): Promise<{ users: simpleRooms.ActiveUser[] } | Refusal> {
  if (!ROOM_ID.test(roomId)) return notFound();
  const users = toRoomUsersView(await roomStoreOf(ctx).state(roomId), viewerFor(ctx, session));
  return users ? { users } : notFound();
}

export async function createRoom(ctx: ApiContext, session: AccountSession | null, body: simpleRooms.CreateRoomBody): Promise<{ room: simpleRooms.Room } | Refusal> {
  if (!session) return unauthenticated();
  for (let attempt = 1; attempt <= ROOM_ID_ATTEMPTS; attempt++) {
    const roomId = shortId(12);
    const result = await roomStoreOf(ctx).execute(roomId, {
      type: 'CreateRoom',
      roomId,
      roomType: body.type,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.members !== undefined ? { members: body.members } : {}),
      actor: session.username,
      admins: ctx.config.PARLEY_ADMINS,
      at: ctx.now(),
    });
    if (isDomainError(result)) {
      if (result.code === 'already_exists') continue;
      return refusalOf(result);
    }
    if (result.state.status === 'open') await openChatRoom(ctx, result.state.room);
    return { room: toRoomView(result.state, viewerFor(ctx, session))! };
  }
  throw new Error(`no free simple-room id after ${ROOM_ID_ATTEMPTS} attempts`);
}

/**
 * The room exists once its own append is durable; its chat room is opened right after. Should
 * that fail, chat opens it on first use (`ensureChatRoom` is idempotent), so the answer stays 200.
 */
async function openChatRoom(ctx: ApiContext, room: SimpleRoom): Promise<void> {
  try {
    await ensureChatRoom(ctx, room);
  } catch (err) {
    ctx.logger.warn({ err, roomId: room.id }, 'chat room not opened with its simple room; it opens on first use');
  }
}

type Membership = 'join' | 'leave' | 'delete';

async function change(ctx: ApiContext, session: AccountSession | null, roomId: string, what: Membership, bodyUsername?: string): Promise<Success | Refusal> {
  if (!session) return unauthenticated();
  // The body's `username` is the reference's; acting for someone else is not allowed.
  if (bodyUsername !== undefined && usernameKey(bodyUsername) !== usernameKey(session.username)) return refuse('forbidden', 'Forbidden');
  if (!ROOM_ID.test(roomId)) return notFound();
  const at = ctx.now();
  const actor = session.username;
  const command: SimpleRoomCommand =
    what === 'join'
      ? { type: 'JoinRoom', actor, at }
      : what === 'leave'
        ? { type: 'LeaveRoom', actor, at }
        : { type: 'DeleteRoom', actor, admins: ctx.config.PARLEY_ADMINS, at };
  const result = await roomStoreOf(ctx).execute(roomId, command);
  return isDomainError(result) ? refusalOf(result) : SUCCESS;
}

export const joinRoom = (ctx: ApiContext, session: AccountSession | null, roomId: string, bodyUsername?: string) => change(ctx, session, roomId, 'join', bodyUsername);
export const leaveRoom = (ctx: ApiContext, session: AccountSession | null, roomId: string, bodyUsername?: string) => change(ctx, session, roomId, 'leave', bodyUsername);
/** Public room: admins only. Private room: the member leaves; the room goes when ≤ 1 member is left. */
export const deleteRoom = (ctx: ApiContext, session: AccountSession | null, roomId: string) => change(ctx, session, roomId, 'delete');
