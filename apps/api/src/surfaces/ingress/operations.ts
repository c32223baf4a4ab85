import { ingress } from '@parley/contracts';
import type { RateDecision } from '@parley/domain/ingress';
import type { HttpReply } from '@parley/infra/http';
import { z } from 'zod';
import type { Ingress, IngressAnswer, IngressBatchAnswer, IngressRequest } from '../../application/ingress.js';
import type { Operation } from '../shared/operation.js';
import type { HttpRequest } from '@parley/infra/http';

/** The ingress reference answers with plain-text bodies: `queued`, `filtered`, `Unauthorized`, … */
const text = (status: number, body: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  body,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
});

const limitHeaders = (d: RateDecision | undefined): Record<string, string> => {
  if (!d) return {};
  const h: Record<string, string> = { 'X-RateLimit-Remaining': String(d.remaining), 'X-RateLimit-Reset': String(Math.ceil(d.resetAt / 1000)) };
  if (!d.allowed) h['Retry-After'] = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
  return h;
};

/** A batch's 202 is JSON (`{results}`); its refusals are the single endpoint's plain-text answers. */
export function batchReplyOf(answer: IngressBatchAnswer): HttpReply {
  if (answer.outcome !== 'accepted') return replyOf(answer);
  return { status: 202, body: { results: answer.results }, headers: limitHeaders(answer.limit) };
}

const ingressRequestOf = (req: HttpRequest): IngressRequest => ({
  roomId: req.params.room!,
  rawBody: req.body,
  ip: req.ip,
  ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
  ...(req.headers['x-chat-signature'] !== undefined ? { signature: req.headers['x-chat-signature'] } : {}),
  ...(req.headers['x-chat-timestamp'] !== undefined ? { timestamp: req.headers['x-chat-timestamp'] } : {}),
  ...(req.headers['idempotency-key'] !== undefined ? { idempotencyKey: req.headers['idempotency-key'].slice(0, 200) } : {}),
});

export function replyOf(answer: IngressAnswer): HttpReply {
  const headers = limitHeaders(answer.limit);
  switch (answer.outcome) {
    case 'queued':
    case 'filtered':
      return text(202, answer.outcome, headers);
    case 'bad_request':
      return text(400, 'Bad Request', { ...headers, 'X-Error-Detail': answer.message.slice(0, 300).replace(/[^\x20-\x7e]/g, '?') });
    case 'unauthorized':
      return text(401, 'Unauthorized', { ...headers, 'X-Error-Detail': answer.message });
    case 'not_found':
      return text(404, 'Not Found', headers);
    case 'rate_limited':
      return text(429, 'Too Many Requests', headers);
  }
}

const ingressHeaders = {
  'X-Chat-Timestamp': { description: 'Unix time (seconds) the signature covers, for replay protection.' },
  'Idempotency-Key': { description: 'A retry with the same key returns the first answer and appends nothing.' },
};

const plain = (description: string) => ({ description, schema: z.string(), contentType: 'text/plain' });

export function ingressOperations(ingressService: Ingress): Operation[] {
  return [
    {
      method: 'post',
      path: '/rooms/{room}/ingress',
      operationId: 'sendIngressMessage',
      summary: 'Send Message (webhook ingress)',
      description:
        'Push a message into the room from an external source. Authenticate with `Authorization: Bearer <room API key>` or `X-Chat-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook secret>`. ' +
        'With `X-Chat-Timestamp: <unix seconds>` the signature covers `<timestamp>.<body>`, the request must be within 5 minutes, and a repeated signature is refused (a room can require this). ' +
        'The short form of the stream-rooms reference, `{type, user: {id, name, avatar}, content}`, is accepted too. ' +
        'Limits: 20 messages / 10 s per user id, 60 / 10 s per source IP, 64 KB per message. `Idempotency-Key` makes a retry return the first answer without appending again.',
      tags: ['Webhook ingress'],
      security: ['apiKey', 'hmac'],
      headers: ingressHeaders,
      body: ingress.ingressBody,
      responses: {
        202: plain('`queued`: accepted and durable, or `filtered`: blocked by the bad word filter or moderation.'),
        400: plain('`Bad Request`: invalid JSON payload or fields.'),
        401: plain('`Unauthorized`: invalid or missing API key or signature.'),
        404: plain('`Not Found`: room does not exist.'),
        413: plain('`Payload Too Large`: over 64 KB.'),
        429: plain('`Too Many Requests`, with `Retry-After`.'),
      },
      route: {
        maxBody: ingress.ingressLimits.maxBodyBytes,
        tooLarge: () => text(413, 'Payload Too Large'),
        onError: () => text(500, 'Server Error'),
      },
      handle: async (req) => replyOf(await ingressService.handle(ingressRequestOf(req))),
    },
    {
      method: 'post',
      path: '/rooms/{room}/ingress/batch',
      operationId: 'sendIngressBatch',
      summary: 'Send Messages in a batch (Parley extension)',
      description:
        'Up to 100 ingress messages (each in either form `POST /rooms/{room}/ingress` takes) appended to the room in one durable write. ' +
        'Authentication, `X-Chat-Timestamp` and `Idempotency-Key` work as for a single message (the signature covers the whole body). ' +
        'Every message counts against the per-IP and per-user limits; one over a limit is `rate_limited` in `results` and the others go on. ' +
        'Invalid JSON, a malformed message or one over 64 KB refuses the whole batch with 400 and appends nothing. The body may be up to 1 MB.',
      tags: ['Webhook ingress'],
      security: ['apiKey', 'hmac'],
      headers: ingressHeaders,
      body: ingress.ingressBatchBody,
      responses: {
        202: { description: 'Each message\'s outcome, in order: `queued` (durable), `filtered` or `rate_limited`.', schema: ingress.ingressBatchAnswer },
        400: plain('`Bad Request`: invalid JSON, or a message with invalid fields or over 64 KB (nothing is appended).'),
        401: plain('`Unauthorized`: invalid or missing API key or signature.'),
        404: plain('`Not Found`: room does not exist.'),
        413: plain('`Payload Too Large`: body over 1 MB.'),
        429: plain('`Too Many Requests`: the source IP is over its limit, with `Retry-After`.'),
      },
      route: {
        maxBody: ingress.ingressLimits.maxBatchBodyBytes,
        tooLarge: () => text(413, 'Payload Too Large'),
        onError: () => text(500, 'Server Error'),
      },
      handle: async (req) => batchReplyOf(await ingressService.handleBatch(ingressRequestOf(req))),
    },
  ];
}
