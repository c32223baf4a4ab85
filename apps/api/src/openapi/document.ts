import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
import type { Operation } from '../surfaces/shared/operation.js';

const securitySchemes = {
  bearer: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT', description: 'A Parley identity token (owner) or a room token from `POST /rooms/{room}/tokens`.' },
  apiKey: { type: 'http' as const, scheme: 'bearer', description: 'The room API key (`sk_live_…`), sent as `Authorization: Bearer <key>`.' },
  hmac: { type: 'apiKey' as const, in: 'header' as const, name: 'X-Chat-Signature', description: '`sha256=<hex>` HMAC-SHA256 of the raw body with the room webhook secret.' },
};

function pathParams(path: string) {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return names.length ? z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) : undefined;
}

function toOpenApi(op: Operation): ZodOpenApiOperationObject {
  const path = pathParams(op.path);
  const header = op.headers
    ? z.object(Object.fromEntries(Object.entries(op.headers).map(([name, h]) => [name, (h.required ? z.string() : z.string().optional()).meta({ description: h.description })])))
    : undefined;
  const requestParams = {
    ...(path ? { path } : {}),
    ...(op.query ? { query: op.query as z.ZodObject } : {}),
    ...(header ? { header } : {}),
  };
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(op.security ? { security: op.security.map((s) => ({ [s]: [] })) } : {}),
    ...(Object.keys(requestParams).length ? { requestParams } : {}),
    // A body schema that accepts nothing at all (webhook-secret rotation) is an optional body.
    ...(op.body ? { requestBody: { required: !op.body.safeParse(undefined).success, content: { 'application/json': { schema: op.body } } } } : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        {
          description: r.description,
          ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
          ...(r.headers ? { headers: Object.fromEntries(r.headers.map((h) => [h, { schema: { type: 'string' as const } }])) } : {}),
        },
      ]),
    ),
  };
}

/** The OpenAPI 3.1 document of every REST operation, built from the same zod schemas that validate requests. */
export function openApiDocument(operations: readonly Operation[], info: { version: string; serverUrl?: string }): object {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of operations) {
    paths[op.path] = { ...paths[op.path], [op.method]: toOpenApi(op) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Parley',
      version: info.version,
      description: 'Event-sourced chat backend. Stream rooms, webhook ingress, simple rooms, community chat and the channel bot, each as its reference describes it. TypeScript clients can use the typed tRPC API at `/trpc` instead.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    components: { securitySchemes },
    paths,
  });
}
