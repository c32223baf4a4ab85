import { communityAuth } from '@parley/contracts';
import { bearerToken } from '@parley/infra/auth';
import { parseJsonBody, type HttpReply, type HttpRequest } from '@parley/infra/http';
import type { z, ZodType } from 'zod';
import { activeSession, claimedAccount } from '../../application/account-session.js';
import * as accounts from '../../application/accounts.js';
import { isRefusal, refuse, type Refusal } from '../../application/outcome.js';
import type { ApiContext } from '../../context.js';
import type { Operation } from '../shared/operation.js';
import { failure, payloadTooLarge, rateLimited, refusalFailure, success, unknownError, validationFailure, withHeaders } from './envelope.js';
import { rateLimitHeaderNames, rateLimitHeaders } from './rate-limit-headers.js';

const MAX_BODY = 16 * 1024;
const error = (description: string) => ({ description, schema: communityAuth.errorEnvelope, headers: rateLimitHeaderNames });
const errors = {
  400: error('VALIDATION_ERROR: invalid JSON or fields; `details` names each field.'),
  401: error('UNAUTHORIZED'),
  413: error(`PAYLOAD_TOO_LARGE: body over ${MAX_BODY} bytes.`),
  429: { ...error('RATE_LIMITED: 25 requests per 15 minutes per IP on /api/auth/*; `error.retryAfter` in ms.'), headers: [...rateLimitHeaderNames, 'Retry-After'] },
  500: error('UNKNOWN_ERROR'),
};
const ok = (status: number, description: string, schema: ZodType) => ({ [status]: { description, schema, headers: rateLimitHeaderNames } });

/**
 * `/api/auth/register`, `/login`, `/refresh`, `/logout` (community-chat-rest.txt,
 * Authentication). Every request, answered or not, counts against its IP's auth limit.
 */
export function authOperations(ctx: ApiContext): Operation[] {
  function endpoint<S extends ZodType | undefined>(
    schema: S,
    run: (req: HttpRequest, body: S extends ZodType ? z.output<S> : undefined) => Promise<unknown>,
    answer: { status?: number; message: string },
  ) {
    return async (req: HttpRequest): Promise<HttpReply> => {
      const decision = accounts.checkAuthRate(ctx, req.ip);
      const headers = rateLimitHeaders(decision, accounts.AUTH_RATE_LIMIT.limit, 'auth');
      if (!decision.allowed) return withHeaders(rateLimited(decision.retryAfterMs), headers);
      let body: unknown;
      if (schema) {
        const json = parseJsonBody(req.body);
        if (!json.ok) return withHeaders(failure(400, 'VALIDATION_ERROR', 'Invalid JSON body'), headers);
        const parsed = schema.safeParse(json.value);
        if (!parsed.success) return withHeaders(validationFailure(parsed.error), headers);
        body = parsed.data;
      }
      const result = await run(req, body as never);
      return withHeaders(isRefusal(result) ? refusalFailure(result) : success(result, { message: answer.message, ...(answer.status ? { status: answer.status } : {}) }), headers);
    };
  }

  const common = {
    tags: ['Accounts'],
    route: { maxBody: MAX_BODY, tooLarge: () => payloadTooLarge(MAX_BODY), onError: unknownError },
  };

  return [
    {
      ...common,
      method: 'post',
      path: '/api/auth/register',
      operationId: 'authRegister',
      summary: 'Register User',
      description:
        'Creates an account (username 3-32 letters, digits, `_`, `.`, `-`; valid email; password 8-128 characters) and starts a session. A taken username or email answers 409 ALREADY_EXISTS. `data.refreshToken` is a Parley extension.',
      body: communityAuth.registerBody,
      responses: { ...ok(201, 'The account and its first session.', communityAuth.registerResponse), ...errors, 409: error('ALREADY_EXISTS: username or email taken.') },
      handle: endpoint(communityAuth.registerBody, (_req, body) => accounts.register(ctx, body), { status: 201, message: 'Registration successful' }),
    },
    {
      ...common,
      method: 'post',
      path: '/api/auth/login',
      operationId: 'authLogin',
      summary: 'Login',
      description: 'Starts a new session. Unknown email and wrong password get the same 401.',
      body: communityAuth.loginBody,
      responses: { ...ok(200, 'The user and the session tokens.', communityAuth.loginResponse), ...errors },
      handle: endpoint(communityAuth.loginBody, (_req, body) => accounts.login(ctx, body), { message: 'Login successful' }),
    },
    {
      ...common,
      method: 'post',
      path: '/api/auth/refresh',
      operationId: 'authRefresh',
      summary: 'Refresh Token',
      description:
        'Send the refresh token as `Authorization: Bearer <refresh-token>`. Answers a new access token and (Parley extension) the next refresh token: each refresh token works once. Presenting one that was already used ends the whole session (401), for the thief and the owner alike.',
      security: ['bearer'],
      responses: { ...ok(200, 'A new access token and the next refresh token.', communityAuth.refreshResponse), ...errors },
      handle: endpoint(undefined, (req) => accounts.refresh(ctx, bearerToken(req.headers.authorization)), { message: 'Token refreshed' }),
    },
    {
      ...common,
      method: 'post',
      path: '/api/auth/logout',
      operationId: 'authLogout',
      summary: 'Logout',
      description: 'Ends the session of the access token (`Authorization: Bearer <jwt-token>`): its refresh token and every access token of it stop working.',
      security: ['bearer'],
      responses: { ...ok(200, 'Logged out.', communityAuth.logoutResponse), ...errors },
      handle: endpoint(undefined, (req) => logoutWith(ctx, req.headers.authorization), { message: 'Logged out' }),
    },
  ];
}

async function logoutWith(ctx: ApiContext, authorization: string | undefined): Promise<unknown> {
  const claimed = await claimedAccount(ctx.tokens, authorization);
  if (claimed.kind !== 'account') return refuse('unauthenticated', claimed.kind === 'invalid' && claimed.reason === 'expired' ? 'Token expired' : 'Authentication required');
  const session = await activeSession(ctx, claimed.session);
  if (isRefusal(session)) return session;
  return (await accounts.logout(ctx, session)) satisfies object | Refusal;
}
