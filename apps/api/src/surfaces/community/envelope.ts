import type { communityAuth } from '@parley/contracts';
import type { HttpReply } from '@parley/infra/http';
import type { ZodError } from 'zod';
import type { Refusal } from '../../application/outcome.js';

/**
 * The community-chat response format: `{ success: true, data, message?, timestamp }`, and for
 * errors `{ success: false, error: { code, message, details }, timestamp }`.
 */

type Detail = { field: string; message: string };

const stamp = () => new Date().toISOString();

export function success(data: unknown, options: { status?: number; message?: string; headers?: Record<string, string> } = {}): HttpReply {
  return {
    status: options.status ?? 200,
    body: { success: true, data, ...(options.message ? { message: options.message } : {}), timestamp: stamp() },
    ...(options.headers ? { headers: options.headers } : {}),
  };
}

export function failure(status: number, code: communityAuth.ErrorCode, message: string, details: Detail[] = [], extra: Record<string, unknown> = {}): HttpReply {
  return { status, body: { success: false, error: { code, message, details, ...extra }, timestamp: stamp() } };
}

export const withHeaders = (reply: HttpReply, headers: Record<string, string>): HttpReply => ({ ...reply, headers: { ...reply.headers, ...headers } });

const byRefusal: Record<Refusal['refused'], { status: number; code: communityAuth.ErrorCode }> = {
  invalid: { status: 400, code: 'VALIDATION_ERROR' },
  unauthenticated: { status: 401, code: 'UNAUTHORIZED' },
  forbidden: { status: 403, code: 'FORBIDDEN' },
  not_found: { status: 404, code: 'NOT_FOUND' },
  conflict: { status: 409, code: 'ALREADY_EXISTS' },
};

export function refusalFailure(refusal: Refusal): HttpReply {
  const { status, code } = byRefusal[refusal.refused];
  return failure(status, code, refusal.message);
}

export const validationFailure = (error: ZodError): HttpReply =>
  failure(
    400,
    'VALIDATION_ERROR',
    'Invalid input data',
    error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
  );

/** The reference's rate-limit answer: `error.retryAfter` in milliseconds, plus `Retry-After` in seconds. */
export const rateLimited = (retryAfterMs: number): HttpReply => failure(429, 'RATE_LIMITED', 'You are being rate limited.', [], { retryAfter: retryAfterMs });

export const payloadTooLarge = (maxBytes: number): HttpReply => failure(413, 'PAYLOAD_TOO_LARGE', `Request body over ${maxBytes} bytes`);

export const unknownError = (): HttpReply => failure(500, 'UNKNOWN_ERROR', 'Internal server error');
