import { z } from 'zod';

/** Bodies of the stream-rooms REST surface (`/rooms/...`), as its reference gives them. */

const userId = z.string().min(1).max(128).regex(/^[^\s]+$/, 'must not contain spaces').meta({ example: 'discord:123456789' });
const provider = z.string().min(1).max(32).regex(/^[a-z0-9_-]+$/, 'lower-case letters, digits, _ and -').meta({ example: 'discord' });

export const maxTokenTtlSeconds = 86_400;
export const moderationActions = ['ban', 'mute', 'unban', 'unmute', 'stealth'] as const;

export const createRoomBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    allowed_providers: z.array(provider).max(16).optional(),
    max_viewers: z.number().int().min(1).max(1_000_000).optional(),
  })
  .meta({ id: 'CreateRoomBody', example: { name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], max_viewers: 100 } });

export const createRoomResponse = z
  .object({
    room: z.string(),
    name: z.string(),
    owner: z.string().nullable(),
    api_key: z.string().meta({ description: 'Shown once; only its hash is stored.' }),
  })
  .meta({ id: 'CreateRoomResponse' });

export const ownedRoom = z
  .object({
    room: z.string(),
    name: z.string(),
    owner: z.string().nullable(),
    allowed_providers: z.array(z.string()),
    moderators: z.array(z.string()),
    max_viewers: z.number().int().nullable(),
    badges: z.array(z.string()),
    filter_enabled: z.boolean(),
    created_at: z.string().meta({ description: 'ISO 8601' }),
  })
  .meta({ id: 'OwnedRoom' });

export const listRoomsResponse = z.object({ rooms: z.array(ownedRoom) }).meta({ id: 'ListRoomsResponse' });

export const publicRoom = z
  .object({
    room: z.string(),
    name: z.string(),
    allowed_providers: z.array(z.string()),
    badges: z.array(z.string()),
    online: z.boolean().meta({ description: 'Whether at least one viewer is connected now.' }),
  })
  .meta({ id: 'PublicRoom', example: { room: 'abc123xyz', name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], badges: ['verified'], online: true } });

export const updateRoomBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    allowed_providers: z.array(provider).max(16).optional(),
    moderators: z.array(userId).max(100).optional(),
    max_viewers: z.number().int().min(1).max(1_000_000).nullable().optional(),
    filter_enabled: z.boolean().optional().meta({ description: 'Parley extension: the bad-word filter for chat and ingress.' }),
    filter_words: z.array(z.string().min(1).max(64)).max(500).optional().meta({ description: 'Parley extension: words blocked in addition to the default list.' }),
    require_signed_timestamp: z.boolean().optional().meta({ description: 'Parley extension: HMAC ingress must send X-Chat-Timestamp.' }),
  })
  .meta({ id: 'UpdateRoomBody', example: { name: 'Updated Name', allowed_providers: ['discord'], moderators: ['discord:987654321'], max_viewers: 500 } });

export const mintTokenBody = z
  .object({
    user_id: userId,
    display_name: z.string().trim().min(1).max(64),
    roles: z.array(z.string().min(1).max(32)).max(16).default([]),
    ttl: z.number().int().min(1).max(maxTokenTtlSeconds).default(3600).meta({ description: `Seconds, at most ${maxTokenTtlSeconds}.` }),
  })
  .meta({ id: 'MintTokenBody', example: { user_id: 'custom:user123', display_name: 'ChatBot', roles: ['bot'], ttl: 3600 } });

export const mintTokenResponse = z.object({ token: z.string() }).meta({ id: 'MintTokenResponse' });

export const moderateBody = z
  .object({
    action: z.enum(moderationActions),
    target: userId,
    duration: z.number().int().min(1).max(10 * 365 * 86_400).optional().meta({ description: 'Seconds for a temporary action.' }),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'ModerateBody', example: { action: 'mute', target: 'discord:123456789', duration: 600, reason: 'Spam' } });

export const moderateResponse = z
  .object({
    room: z.string(),
    action: z.enum(moderationActions),
    target: z.string(),
    until: z.string().nullable().meta({ description: 'ISO 8601 end of a temporary action, null when permanent or lifted.' }),
    reason: z.string().nullable(),
  })
  .meta({ id: 'ModerateResponse' });

export const removeMessageQuery = z
  .object({ reason: z.string().min(1).max(500).optional().meta({ description: 'Why, for the audit log.' }) })
  .meta({ id: 'RemoveMessageQuery' });

export const removeMessageResponse = z
  .object({
    room: z.string(),
    id: z.string().meta({ description: 'The removed message.' }),
    seq: z.int().min(0).meta({ description: 'The room sequence number of the message (its `msg` frame).' }),
    removed: z.literal(true),
  })
  .meta({ id: 'RemoveMessageResponse', example: { room: 'abc123xyz', id: '0193…', seq: 42, removed: true } });

export const rotateApiKeyResponse = z.object({ api_key: z.string() }).meta({ id: 'RotateApiKeyResponse' });

export const rotateWebhookSecretBody = z
  .object({ grace_seconds: z.number().int().min(0).max(7 * 86_400).default(3600) })
  .meta({ id: 'RotateWebhookSecretBody' });

export const webhookSecretResponse = z
  .object({ webhook_secret: z.string(), previous_valid_until: z.string().nullable() })
  .meta({ id: 'WebhookSecretResponse' });

export const auditLogQuery = z.object({
  room: z.string().optional(),
  actor: z.string().optional(),
  target: z.string().optional(),
  action: z.string().optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(0).optional(),
});

export const auditEntry = z
  .object({
    position: z.number().int(),
    room: z.string(),
    actor: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    reason: z.string().nullable(),
    until: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    at: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const auditLogResponse = z.object({ entries: z.array(auditEntry), next_cursor: z.number().int().nullable() }).meta({ id: 'AuditLogResponse' });

/** The one error body of the stream-rooms surface. */
export const streamRoomsError = z
  .object({
    error: z.string().meta({ description: 'The status text: Bad Request, Unauthorized, Forbidden, Not Found, Payload Too Large, Rate Limited, Server Error.' }),
    message: z.string(),
    status: z.number().int(),
  })
  .meta({ id: 'Error', example: { error: 'Not Found', message: "Room doesn't exist", status: 404 } });

export type CreateRoomBody = z.infer<typeof createRoomBody>;
export type UpdateRoomBody = z.infer<typeof updateRoomBody>;
export type MintTokenBody = z.infer<typeof mintTokenBody>;
export type ModerateBody = z.infer<typeof moderateBody>;
export type OwnedRoom = z.infer<typeof ownedRoom>;
export type PublicRoom = z.infer<typeof publicRoom>;
export type AuditLogQuery = z.infer<typeof auditLogQuery>;
export type StreamRoomsError = z.infer<typeof streamRoomsError>;
export type CreateRoomResponse = z.infer<typeof createRoomResponse>;
export type MintTokenResponse = z.infer<typeof mintTokenResponse>;
export type ModerateResponse = z.infer<typeof moderateResponse>;
export type AuditLogResponse = z.infer<typeof auditLogResponse>;
export type RemoveMessageQuery = z.infer<typeof removeMessageQuery>;
export type RemoveMessageResponse = z.infer<typeof removeMessageResponse>;
