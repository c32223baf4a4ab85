import { simpleRooms } from '@parley/contracts';
import type { HttpReply } from '@parley/infra/http';
import type { Refusal } from '../../application/outcome.js';

/** The error table of simple-rooms-rest.txt: one body, `{ "error": "<text of the status>" }`. */
export type ErrorStatus = keyof typeof simpleRooms.errorMessages;

export const simpleRoomsError = (status: ErrorStatus, headers?: Record<string, string>): HttpReply => ({
  status,
  body: { error: simpleRooms.errorMessages[status] },
  ...(headers ? { headers } : {}),
});

const statusOf: Record<Refusal['refused'], ErrorStatus> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  // Only a room-id collision, which the use case retries; reaching here is a server fault.
  conflict: 500,
};

export const refusalReply = (refusal: Refusal, headers?: Record<string, string>): HttpReply => simpleRoomsError(statusOf[refusal.refused], headers);
