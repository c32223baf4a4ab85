import type { HttpReply } from '@parley/infra/http';
import type { Refusal } from '../../application/outcome.js';

/** The stream-rooms reference's error codes, each with one body shape: `{ error, message, status }`. */
const names: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Rate Limited',
  500: 'Server Error',
};

export const streamRoomsError = (status: number, message: string, headers?: Record<string, string>): HttpReply => ({
  status,
  body: { error: names[status] ?? 'Error', message, status },
  ...(headers ? { headers } : {}),
});

const statusOf: Record<Refusal['refused'], number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid: 400,
  conflict: 409,
};

export const refusalReply = (r: Refusal): HttpReply => streamRoomsError(statusOf[r.refused], r.message);
