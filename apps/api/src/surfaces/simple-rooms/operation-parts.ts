import { simpleRooms } from '@parley/contracts';
import type { ZodType } from 'zod';
import { rateLimitHeaderNames } from '../community/rate-limit-headers.js';
import { simpleRoomsError } from './errors.js';

/** What every simple-rooms operation shares in the OpenAPI document and the router. */

const MAX_BODY = 64 * 1024;

export const error = (description: string) => ({ description, schema: simpleRooms.errorBody, headers: rateLimitHeaderNames });

export const errors = {
  400: error('Invalid request: missing or invalid parameters.'),
  401: error('Authentication required: token missing, invalid, expired or of an ended session, or `X-Username` missing (writes) or not the token\'s user.'),
  403: error('Forbidden: admin/member checks (public rooms are created and deleted by admins only).'),
  404: error("Room not found: no such room, or a private room the caller is not a member of (its existence is not revealed)."),
  429: { ...error('Rate limit exceeded: 2000 requests per minute per account (anonymous: per IP).'), headers: [...rateLimitHeaderNames, 'Retry-After'] },
};

export const ok = (description: string, schema: ZodType, status: 200 | 201 = 200) => ({ [status]: { description, schema, headers: rateLimitHeaderNames } });

export const usernameHeader = (required: boolean) => ({
  'X-Username': { description: 'The username of the token\'s account (case-insensitive).' + (required ? '' : ' Optional on reads; checked when sent.'), required },
});

const common = {
  tags: ['Simple rooms'],
  route: { maxBody: MAX_BODY, tooLarge: () => simpleRoomsError(400), onError: () => simpleRoomsError(500) },
};

export const operationDefaults = {
  reads: { ...common, security: ['bearer' as const], headers: usernameHeader(false) },
  writes: { ...common, security: ['bearer' as const], headers: usernameHeader(true) },
};
