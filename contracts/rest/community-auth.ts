import { z } from 'zod';

/**
 * The community-chat envelope and the Authentication endpoints (`/api/auth/...`) of
 * community-chat-rest.txt. Every answer is `{ success, data, message?, timestamp }`; every
 * error `{ success: false, error: { code, message, details }, timestamp }`.
 */

export const errorCodes = [
  'UNKNOWN_ERROR',
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'ALREADY_EXISTS',
  'BANNED',
  'ACCOUNT_DISABLED',
  'PAYLOAD_TOO_LARGE',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

const timestamp = z.string().meta({ description: 'ISO 8601 time of the answer.', example: '2024-01-01T00:00:00.000Z' });

/** `{ success: true, data, message?, timestamp }` around a payload. */
export const envelope = <T extends z.ZodType>(data: T, id: string) =>
  z.object({ success: z.literal(true), data, message: z.string().optional(), timestamp }).meta({ id });

export const errorDetail = z.object({ field: z.string(), message: z.string() }).meta({ id: 'CommunityErrorDetail' });

export const errorEnvelope = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.array(errorDetail),
      retryAfter: z.number().int().optional().meta({ description: 'RATE_LIMITED only: milliseconds until a retry can pass.' }),
    }),
    timestamp,
  })
  .meta({
    id: 'CommunityError',
    example: { success: false, error: { code: 'VALIDATION_ERROR', message: 'Invalid input data', details: [{ field: 'email', message: 'Invalid email address' }] }, timestamp: '2024-01-01T00:00:00.000Z' },
  });

export const registerBody = z
  .object({
    username: z.string().min(3).max(32).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
    email: z.string().trim().max(254).pipe(z.email()),
    password: z.string().min(8).max(128),
    inviteCode: z.string().max(128).optional().meta({ description: 'Accepted and ignored: registration is open.' }),
  })
  .meta({ id: 'RegisterBody', example: { username: 'newuser', email: 'user@example.com', password: 'correct horse battery' } });

export const loginBody = z
  .object({
    email: z.string().min(1).max(254),
    password: z.string().min(1).max(1024),
  })
  .meta({ id: 'LoginBody', example: { email: 'user@example.com', password: 'correct horse battery' } });

export const loginUser = z
  .object({ id: z.string(), username: z.string(), email: z.string(), avatar: z.string().nullable() })
  .meta({ id: 'AuthLoginUser' });

export const registeredUser = loginUser.extend({ createdAt: z.string().meta({ description: 'ISO 8601' }) }).meta({ id: 'AuthUser' });

const accessToken = z.string().meta({ description: 'Access token (JWT, HS256), valid 15 minutes. Send as `Authorization: Bearer <token>`.' });
const refreshToken = z.string().meta({
  description: 'Parley extension: the opaque refresh token for `POST /api/auth/refresh`. It rotates on every use; presenting an already used one ends the session.',
});

export const registerData = z.object({ user: registeredUser, token: accessToken, refreshToken }).meta({ id: 'RegisterData' });
export const loginData = z.object({ user: loginUser, token: accessToken, refreshToken }).meta({ id: 'LoginData' });
export const refreshData = z.object({ token: accessToken, refreshToken }).meta({ id: 'RefreshData' });

export const registerResponse = envelope(registerData, 'RegisterResponse');
export const loginResponse = envelope(loginData, 'LoginResponse');
export const refreshResponse = envelope(refreshData, 'RefreshResponse');
export const logoutResponse = envelope(z.object({}), 'LogoutResponse');

export type RegisterBody = z.infer<typeof registerBody>;
export type LoginBody = z.infer<typeof loginBody>;
export type RegisterData = z.infer<typeof registerData>;
export type LoginData = z.infer<typeof loginData>;
export type RefreshData = z.infer<typeof refreshData>;
export type ErrorEnvelope = z.infer<typeof errorEnvelope>;
