import type { HttpHandler, HttpServer, RouteOptions } from '@parley/infra/http';
import type { ZodType } from 'zod';

/**
 * One REST operation: how it is served and how it is documented. The router and the OpenAPI
 * document are both built from the same list, so they cannot drift apart.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: `/rooms/{room}/public`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<'bearer' | 'apiKey' | 'hmac'>;
  headers?: Record<string, { description: string; required?: boolean }>;
  body?: ZodType;
  query?: ZodType;
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string; headers?: string[] }>;
  route?: RouteOptions;
  handle: HttpHandler;
}

export const uwsPattern = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

const uwsMethod = { get: 'get', post: 'post', put: 'put', patch: 'patch', delete: 'del' } as const;

export function mountOperations(http: HttpServer, operations: readonly Operation[]): void {
  for (const op of operations) {
    http.route(uwsMethod[op.method], uwsPattern(op.path), op.handle, { name: `${op.method.toUpperCase()} ${op.path}`, ...op.route });
  }
}
