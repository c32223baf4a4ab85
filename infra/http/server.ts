import uWS from '@trufflesuite/uws-js-unofficial';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { MetricsRegistry } from '../observability/metrics.js';
import { statusLine, type HttpHandler, type HttpReply, type HttpRequest } from './types.js';
import { clientIp } from './client-ip.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'del' | 'any' | 'options';

export interface RouteOptions {
  /** Largest body accepted (bytes); larger is answered by `tooLarge` before the body is read in full. */
  maxBody?: number;
  /** The surface's own 413 answer. */
  tooLarge?: (req: HttpRequest) => HttpReply;
  /** The surface's own 500 answer. */
  onError?: (req: HttpRequest, error: unknown) => HttpReply;
  /** Label for metrics (defaults to the pattern). */
  name?: string;
}

export interface HttpServer {
  readonly app: uWS.TemplatedApp;
  route(method: Method, pattern: string, handler: HttpHandler, options?: RouteOptions): void;
  listen(host: string, port: number): Promise<number>;
  close(): void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const bodyless = new Set(['get', 'head', 'delete', 'options']);

const defaultTooLarge = (): HttpReply => ({ status: 413, body: { error: 'Payload Too Large' } });
const defaultError = (): HttpReply => ({ status: 500, body: { error: 'Server Error' } });

function encodeBody(body: unknown): { bytes: string | Uint8Array; contentType: string | null } {
  if (body === undefined) return { bytes: '', contentType: null };
  if (typeof body === 'string') return { bytes: body, contentType: 'text/plain; charset=utf-8' };
  if (body instanceof Uint8Array) return { bytes: body, contentType: 'application/octet-stream' };
  return { bytes: JSON.stringify(body), contentType: 'application/json' };
}

export function writeReply(res: uWS.HttpResponse, reply: HttpReply, requestId: string, closeConnection = false): void {
  const { bytes, contentType } = encodeBody(reply.body);
  res.writeStatus(statusLine(reply.status));
  let hasContentType = false;
  if (reply.headers) {
    for (const k in reply.headers) {
      if (k.toLowerCase() === 'content-type') hasContentType = true;
      res.writeHeader(k, reply.headers[k]!);
    }
  }
  if (!hasContentType && contentType) res.writeHeader('Content-Type', contentType);
  res.writeHeader('X-Request-Id', requestId);
  res.end(bytes, closeConnection);
}

function paramNames(pattern: string): string[] {
  return pattern
    .split('/')
    .filter((part) => part.startsWith(':'))
    .map((part) => part.slice(1));
}

/** A malformed escape (`%E0%A4%A`) would throw inside the uWS callback and end the process; it is kept as sent instead. */
function decodeParameter(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const queryOf = (raw: string | undefined): URLSearchParams => (raw ? new URLSearchParams(raw) : NO_QUERY);

/** Reads the request line, headers and parameters synchronously, as uWS requires. */
function copyRequest(res: uWS.HttpResponse, req: uWS.HttpRequest, names: string[]): HttpRequest {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = v;
  });
  const params: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) params[names[i]!] = decodeParameter(req.getParameter(i) ?? '');
  return {
    method: req.getMethod().toUpperCase(),
    path: req.getUrl(),
    query: queryOf(req.getQuery()),
    headers,
    params,
    ip: clientIp(headers['x-forwarded-for'], res.getRemoteAddressAsText()),
    body: EMPTY,
    requestId: headers['x-request-id']?.slice(0, 128) || nextRequestId(),
    receivedAt: performance.now(),
  };
}

const EMPTY = Buffer.alloc(0);
const NO_QUERY = new URLSearchParams();

/** Unique per process and cheap (a UUID per request showed in profiles): `<random prefix>-<counter>`. */
const requestIdPrefix = randomUUID().slice(0, 8);
let requestCounter = 0;
const nextRequestId = () => `${requestIdPrefix}-${(++requestCounter).toString(36)}`;

export function createHttpServer(deps: { logger: Logger; metrics: MetricsRegistry; app?: uWS.TemplatedApp }): HttpServer {
  const app = deps.app ?? uWS.App();
  const requests = deps.metrics.counter('parley_http_requests_total', 'HTTP requests by route and status');
  const latency = deps.metrics.histogram('parley_http_request_duration_seconds', 'HTTP request latency by route');
  let listenSocket: uWS.us_listen_socket | null = null;
  const accessLog = deps.logger.isLevelEnabled('debug');

  const route: HttpServer['route'] = (method, pattern, handler, options = {}) => {
    const names = paramNames(pattern);
    const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
    const label = options.name ?? pattern;
    const tooLarge = options.tooLarge ?? defaultTooLarge;
    const onError = options.onError ?? defaultError;

    const routeLabels = { route: label };
    const statusLabels = new Map<number, { route: string; status: string }>();
    const labelsFor = (status: number) => {
      let l = statusLabels.get(status);
      if (!l) statusLabels.set(status, (l = { route: label, status: String(status) }));
      return l;
    };
    const finish = (res: uWS.HttpResponse, state: { aborted: boolean }, req: HttpRequest, reply: HttpReply, corked: boolean, close = false) => {
      if (state.aborted) return;
      state.aborted = true;
      if (corked) res.cork(() => writeReply(res, reply, req.requestId, close));
      else writeReply(res, reply, req.requestId, close);
      requests.inc(labelsFor(reply.status));
      latency.observe(routeLabels, (performance.now() - req.receivedAt) / 1000);
      if (reply.status >= 500) deps.logger.error({ requestId: req.requestId, route: label, status: reply.status }, 'request failed');
      // The access log is debug: at the default level it costs one level check per request.
      else if (accessLog) deps.logger.debug({ requestId: req.requestId, method: req.method, path: req.path, status: reply.status, ms: performance.now() - req.receivedAt }, 'request');
    };

    const run = (res: uWS.HttpResponse, state: { aborted: boolean }, req: HttpRequest, corked: boolean) => {
      let result: HttpReply | Promise<HttpReply>;
      try {
        result = handler(req);
      } catch (error) {
        deps.logger.error({ err: error, requestId: req.requestId, route: label }, 'handler threw');
        finish(res, state, req, onError(req, error), corked);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (reply) => finish(res, state, req, reply, true),
          (error) => {
            deps.logger.error({ err: error, requestId: req.requestId, route: label }, 'handler threw');
            finish(res, state, req, onError(req, error), true);
          },
        );
      } else {
        finish(res, state, req, result, corked);
      }
    };

    app[method](pattern, (res, uReq) => {
      const state = { aborted: false };
      res.onAborted(() => {
        state.aborted = true;
      });
      const req = copyRequest(res, uReq, names);
      if (bodyless.has(req.method.toLowerCase())) {
        run(res, state, req, false);
        return;
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBody) {
        finish(res, state, req, tooLarge(req), false, true);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.onData((chunk, isLast) => {
        if (state.aborted) return;
        size += chunk.byteLength;
        if (size > maxBody) {
          finish(res, state, req, tooLarge(req), true, true);
          return;
        }
        chunks.push(Buffer.from(chunk.slice(0)));
        if (isLast) {
          req.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          run(res, state, req, true);
        }
      });
    });
  };

  return {
    app,
    route,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        app.listen(host, port, (socket) => {
          if (!socket) return reject(new Error(`could not listen on ${host}:${port}`));
          listenSocket = socket;
          resolve(uWS.us_socket_local_port(socket));
        });
      });
    },
    close() {
      if (listenSocket) uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
    },
  };
}
