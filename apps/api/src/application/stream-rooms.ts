import type { streamRooms } from '@parley/contracts';
import { isDomainError, type DomainError } from '@parley/domain';
import { isModerator, isOwner, type RoomState } from '@parley/domain/rooms';
import { newApiKey, newWebhookSecret, hashApiKey } from '@parley/infra/auth';
import { auditLog, type AuditEntry } from '@parley/projections/audit-log';
import { getRoom, roomsOwnedBy, type RoomDirectoryEntry } from '@parley/projections/room-directory';
import { messageStatus } from '@parley/projections/timeline';
import type { ApiContext } from '../context.js';
import { actorOn, credentialRefusal, type Caller } from './caller.js';
import { derivedId, derivedShortId, shortId } from './ids.js';
import { isRefusal, refuse, refusalOf, type Refusal } from './outcome.js';

/** The stream-rooms use cases, shared by the REST surface and tRPC. Each returns a result or a Refusal. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const READ_YOUR_WRITES_MS = 1000;

function ownedRoomView(e: RoomDirectoryEntry): streamRooms.OwnedRoom {
  return {
    room: e.roomId,
    name: e.name,
    owner: e.owner,
    allowed_providers: e.allowedProviders,
    moderators: e.moderators,
    max_viewers: e.maxViewers,
    badges: e.badges,
    filter_enabled: e.filterEnabled,
    created_at: new Date(e.createdAt).toISOString(),
  };
}

function stateView(s: RoomState): streamRooms.OwnedRoom {
  return {
    room: s.roomId,
    name: s.name,
    owner: s.owner,
    allowed_providers: s.allowedProviders,
    moderators: s.moderators,
    max_viewers: s.maxViewers,
    badges: s.owner === null ? [] : ['verified'],
    filter_enabled: s.filterEnabled,
    created_at: new Date(s.createdAt).toISOString(),
  };
}

const unauthenticated = (caller: Caller): Refusal | null => (caller.kind === 'invalid' ? credentialRefusal(caller) : null);

/** Endpoints about the caller as a person (own rooms, admin) take an identity token only; a room token or API key is the wrong audience. */
function identityRequired(caller: Caller): Refusal | null {
  if (caller.kind === 'identity') return null;
  if (caller.kind === 'anonymous') return refuse('unauthenticated', 'Missing token');
  return unauthenticated(caller) ?? refuse('unauthenticated', 'An identity token is required');
}

/**
 * Settings and credentials take the owner's identity token. A room token names whichever user its
 * minter chose, and the API key holder may mint one for the owner's id, so a room token never
 * stands for the owner here (the API key is trusted for minting and ingress, not for settings).
 */
const ownerIdentityRequired = (caller: Caller): Refusal | null =>
  caller.kind === 'room' ? refuse('forbidden', "Requires the owner's identity token") : null;

const orRefusal = <T>(r: T | DomainError): T | Refusal => (isDomainError(r) ? refusalOf(r) : r);

async function roomOrRefusal(ctx: ApiContext, roomId: string): Promise<RoomState | Refusal> {
  return (await ctx.rooms.state(roomId)) ?? refuse('not_found', "Room doesn't exist");
}

async function actingOn(ctx: ApiContext, roomId: string, caller: Caller) {
  const state = await roomOrRefusal(ctx, roomId);
  if (isRefusal(state)) {
    // A bad credential is reported before an unknown room, so probing room ids needs a valid token.
    return unauthenticated(caller) ?? state;
  }
  const actor = actorOn(state, caller);
  return isRefusal(actor) ? actor : { state, actor };
}

export async function createRoom(
  ctx: ApiContext,
  input: { body: streamRooms.CreateRoomBody; caller: Caller; idempotencyKey?: string; ip: string },
): Promise<streamRooms.CreateRoomResponse | Refusal> {
  const { caller, body } = input;
  if (caller.kind !== 'anonymous') {
    const refused = identityRequired(caller);
    if (refused) return refused;
  }
  const owner = caller.kind === 'identity' ? caller.userId : null;
  const scope = owner ?? `ip:${input.ip}`;
  const key = input.idempotencyKey;
  // With an Idempotency-Key, room id and API key are derived from it, so a retry returns the same answer without storing the key.
  const roomId = key ? derivedShortId(ctx.idSecret, 12, 'room', scope, key) : shortId();
  const apiKey = key ? derivedApiKey(ctx, roomId, key) : newApiKey();
  const replay = async (): Promise<streamRooms.CreateRoomResponse | Refusal | null> => {
    const existing = await ctx.rooms.state(roomId);
    if (!existing) return null;
    if (existing.owner !== owner) return refuse('conflict', 'Idempotency-Key already used');
    return { room: roomId, name: existing.name, owner, api_key: apiKey.key };
  };
  const first = key ? await replay() : null;
  if (first) return first;
  const ids = key ? [0, 1, 2].map((i) => derivedId(ctx.idSecret, 'create', roomId, key, String(i))) : undefined;
  const result = await ctx.rooms.execute(
    roomId,
    {
      type: 'CreateRoom',
      roomId,
      name: body.name,
      owner,
      allowedProviders: body.allowed_providers ?? ['guest'],
      maxViewers: body.max_viewers ?? null,
      apiKeyHash: apiKey.hash,
      apiKeyPrefix: apiKey.prefix,
      webhookSecret: key ? `whsec_${derivedShortId(ctx.idSecret, 32, 'whsec', roomId, key)}` : newWebhookSecret(),
      at: ctx.now(),
    },
    ids,
  );
  const ok = orRefusal(result);
  // A concurrent retry with the same key may have created the room between the check and the append.
  if (isRefusal(ok)) return (ok.refused === 'conflict' && key ? await replay() : null) ?? ok;
  return { room: roomId, name: body.name, owner, api_key: apiKey.key };
}

function derivedApiKey(ctx: ApiContext, roomId: string, idempotencyKey: string) {
  const key = `sk_live_${derivedShortId(ctx.idSecret, 32, 'apikey', roomId, idempotencyKey)}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}

export async function listOwnedRooms(ctx: ApiContext, caller: Caller): Promise<streamRooms.OwnedRoom[] | Refusal> {
  const refused = identityRequired(caller);
  if (refused || caller.kind !== 'identity') return refused!;
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  return roomsOwnedBy(ctx.readModels.db, caller.userId).map(ownedRoomView);
}

/** Hot path: synchronous when the room is in the directory read model. */
export function publicRoom(ctx: ApiContext, roomId: string): streamRooms.PublicRoom | null | Promise<streamRooms.PublicRoom | null> {
  // `sr-<id>` rooms carry the chat of simple rooms; they are reached through /api/rooms only.
  if (roomId.startsWith('sr-')) return null;
  const entry = ctx.readModels.directory.get(roomId);
  const view = (e: RoomDirectoryEntry): streamRooms.PublicRoom => ({
    room: e.roomId,
    name: e.name,
    allowed_providers: e.allowedProviders,
    badges: e.badges,
    online: ctx.online(e.roomId) > 0,
  });
  if (entry) return view(entry);
  // Not in the read model: either unknown, or created a moment ago and not projected yet.
  return (async () => {
    if (!(await ctx.rooms.state(roomId))) return null;
    await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
    const late = ctx.readModels.directory.get(roomId);
    return late ? view(late) : null;
  })();
}

export async function updateRoom(ctx: ApiContext, roomId: string, caller: Caller, body: streamRooms.UpdateRoomBody): Promise<streamRooms.OwnedRoom | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  const notOwner = ownerIdentityRequired(caller);
  if (notOwner) return notOwner;
  const result = orRefusal(
    await ctx.rooms.execute(roomId, {
      type: 'UpdateRoom',
      actor: acting.actor,
      name: body.name,
      allowedProviders: body.allowed_providers,
      moderators: body.moderators,
      maxViewers: body.max_viewers,
      filterEnabled: body.filter_enabled,
      filterWords: body.filter_words,
      requireSignedTimestamp: body.require_signed_timestamp,
      at: ctx.now(),
    }),
  );
  if (isRefusal(result)) return result;
  // Read-your-writes for the public read, which answers from the read model without waiting.
  if (result.events.length > 0) await ctx.readModels.projector.waitFor(result.position, READ_YOUR_WRITES_MS);
  return stateView((await ctx.rooms.state(roomId))!);
}

export async function mintToken(ctx: ApiContext, roomId: string, caller: Caller, body: streamRooms.MintTokenBody): Promise<streamRooms.MintTokenResponse | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  if (acting.actor.credential !== 'api_key' && !isOwner(acting.state, acting.actor)) return refuse('forbidden', 'Requires the room API key or the owner token');
  const token = await ctx.tokens.issueRoomToken({ sub: body.user_id, room: roomId, name: body.display_name, roles: body.roles }, body.ttl);
  return { token };
}

export async function moderate(ctx: ApiContext, roomId: string, caller: Caller, body: streamRooms.ModerateBody): Promise<streamRooms.ModerateResponse | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  const result = orRefusal(
    await ctx.rooms.execute(roomId, {
      type: 'ModerateUser',
      actor: acting.actor,
      action: body.action,
      target: body.target,
      durationSeconds: body.duration,
      reason: body.reason,
      at: ctx.now(),
    }),
  );
  if (isRefusal(result)) return result;
  const event = result.events[0];
  const until = event?.type === 'UserModerated' ? event.data.until : null;
  return { room: roomId, action: body.action, target: body.target, until: iso(until), reason: body.reason ?? null };
}

/**
 * Removes one message (Parley extension): the owner or a moderator. Its `msg` frame is followed by
 * a `removed` frame, history keeps its place without its content. A message already removed stays
 * so and nothing more is recorded; one the timeline does not hold is 404.
 */
export async function removeMessage(
  ctx: ApiContext,
  roomId: string,
  caller: Caller,
  messageId: string,
  reason: string | undefined,
): Promise<streamRooms.RemoveMessageResponse | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  if (!isModerator(acting.state, acting.actor)) return refuse('forbidden', 'Only the owner or a moderator can remove messages');
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  const status = messageStatus(ctx.readModels.db, roomId, messageId);
  if (!status) return refuse('not_found', 'Message not found');
  if (!status.removed) {
    const result = orRefusal(await ctx.rooms.execute(roomId, { type: 'RemoveMessage', actor: acting.actor, messageId, ...(reason ? { reason } : {}), at: ctx.now() }));
    if (isRefusal(result)) return result;
    if (result.events.length > 0) await ctx.readModels.projector.waitFor(result.position, READ_YOUR_WRITES_MS);
  }
  return { room: roomId, id: messageId, seq: status.seq, removed: true };
}

export async function rotateApiKey(ctx: ApiContext, roomId: string, caller: Caller): Promise<{ api_key: string } | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  const notOwner = ownerIdentityRequired(caller);
  if (notOwner) return notOwner;
  const key = newApiKey();
  const result = orRefusal(await ctx.rooms.execute(roomId, { type: 'RotateApiKey', actor: acting.actor, apiKeyHash: key.hash, apiKeyPrefix: key.prefix, at: ctx.now() }));
  return isRefusal(result) ? result : { api_key: key.key };
}

export async function webhookSecret(ctx: ApiContext, roomId: string, caller: Caller): Promise<{ webhook_secret: string; previous_valid_until: string | null } | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  if (!isOwner(acting.state, acting.actor)) return refuse('forbidden', 'Only the room owner can read the webhook secret');
  const s = acting.state;
  const previousValid = s.previousWebhookSecretValidUntil !== null && s.previousWebhookSecretValidUntil > ctx.now();
  return { webhook_secret: s.webhookSecret!, previous_valid_until: previousValid ? iso(s.previousWebhookSecretValidUntil) : null };
}

export async function rotateWebhookSecret(ctx: ApiContext, roomId: string, caller: Caller, graceSeconds: number): Promise<{ webhook_secret: string; previous_valid_until: string | null } | Refusal> {
  const acting = await actingOn(ctx, roomId, caller);
  if (isRefusal(acting)) return acting;
  const notOwner = ownerIdentityRequired(caller);
  if (notOwner) return notOwner;
  const secret = newWebhookSecret();
  const at = ctx.now();
  const result = orRefusal(await ctx.rooms.execute(roomId, { type: 'RotateWebhookSecret', actor: acting.actor, secret, graceMs: graceSeconds * 1000, at }));
  if (isRefusal(result)) return result;
  return { webhook_secret: secret, previous_valid_until: graceSeconds > 0 ? iso(at + graceSeconds * 1000) : null };
}

export function auditView(e: AuditEntry): streamRooms.AuditLogResponse['entries'][number] {
  return {
    position: e.position,
    room: e.roomId,
    actor: e.actor,
    action: e.action,
    target: e.target,
    reason: e.reason,
    until: iso(e.until),
    details: e.changedFields ? { changed_fields: e.changedFields } : null,
    at: new Date(e.at).toISOString(),
  };
}

export async function readAuditLog(ctx: ApiContext, caller: Caller, query: streamRooms.AuditLogQuery): Promise<streamRooms.AuditLogResponse | Refusal> {
  const refused = identityRequired(caller);
  if (refused || caller.kind !== 'identity') return refused!;
  if (!ctx.isAdmin(caller.userId)) return refuse('forbidden', 'Admins only');
  await ctx.readModels.projector.waitFor(await ctx.store.headPosition(), READ_YOUR_WRITES_MS);
  const page = auditLog(ctx.readModels.db, {
    roomId: query.room,
    actor: query.actor,
    target: query.target,
    action: query.action as never,
    since: query.since ? Date.parse(query.since) : undefined,
    until: query.until ? Date.parse(query.until) : undefined,
    limit: query.limit,
    after: query.cursor,
  });
  return { entries: page.entries.map(auditView), next_cursor: page.nextCursor };
}
