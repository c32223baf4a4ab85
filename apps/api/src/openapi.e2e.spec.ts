import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from './testing/test-server.js';
import { jsonCall } from './testing/json-call.js';

/*
 * `/openapi.json` is the contract other integrators generate clients from: it must be valid
 * OpenAPI 3.1, list every stream-rooms operation, and its schemas must accept what the
 * reference shows and what the server really sends. Schemas are taken from the served
 * document (refs inlined) and compiled with zod's JSON Schema reader, so the check is of the
 * published JSON, not of the zod source it was generated from.
 */

let server: TestServer;
let doc: any;

type Json = any;

/** Inlines `#/components/schemas/...` references (the documents' schemas are not recursive). */
function inline(schema: Json, depth = 0): Json {
  if (depth > 32) throw new Error('schema too deep (recursive $ref?)');
  if (Array.isArray(schema)) return schema.map((s) => inline(s, depth + 1));
  if (schema === null || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`dangling $ref ${schema.$ref}`);
    const { $ref: _ref, ...rest } = schema;
    return inline({ ...target, ...rest }, depth + 1);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, depth + 1)]));
}

const compile = (schema: Json) => z.fromJSONSchema(inline(schema), { defaultTarget: 'draft-2020-12' });

function responseSchema(path: string, method: string, status: number) {
  const content = doc.paths[path]?.[method]?.responses?.[status]?.content?.['application/json'];
  if (!content) throw new Error(`${method.toUpperCase()} ${path} documents no JSON ${status} response`);
  return compile(content.schema);
}

function requestSchema(path: string, method: string) {
  const content = doc.paths[path]?.[method]?.requestBody?.content?.['application/json'];
  if (!content) throw new Error(`${method.toUpperCase()} ${path} documents no JSON body`);
  return compile(content.schema);
}

const problems = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const reply = await jsonCall(server.url, method, path, token, body);
  return { status: reply.status, body: reply.body as Json };
};

beforeAll(async () => {
  server = await startTestServer();
  const res = await fetch(`${server.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  doc = await res.json();
});

afterAll(async () => {
  await server?.stop();
});

/** The stream-rooms operations: the reference's, then Parley's documented extensions. */
const streamRoomsOperations: Array<[path: string, method: string, auth: boolean]> = [
  ['/rooms', 'post', true],
  ['/rooms', 'get', true],
  ['/rooms/{room}/public', 'get', false],
  ['/rooms/{room}', 'put', true],
  ['/rooms/{room}/tokens', 'post', true],
  ['/rooms/{room}/moderation', 'post', true],
  ['/rooms/{room}/ingress', 'post', true],
  ['/rooms/{room}/api-key', 'post', true],
  ['/rooms/{room}/webhook-secret', 'get', true],
  ['/rooms/{room}/webhook-secret', 'post', true],
  ['/rooms/{room}/messages', 'get', true],
  ['/admin/audit-log', 'get', true],
];

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('the validator has teeth: a broken copy of the document is refused', async () => {
    const broken = structuredClone(doc);
    delete broken.paths['/rooms'].post.responses['200'].description;
    broken.paths['/rooms'].get.parameters = [{ in: 'nowhere', name: 'x' }];
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it.each(streamRoomsOperations)('lists %s %s with its parameters, security and documented answers', (path, method, auth) => {
    const op = doc.paths[path]?.[method];
    expect(op, `${method.toUpperCase()} ${path} is missing`).toBeDefined();
    expect(typeof op.operationId).toBe('string');
    expect(op.summary.length).toBeGreaterThan(0);
    for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
      expect(op.parameters).toContainEqual(expect.objectContaining({ in: 'path', name, required: true }));
    }
    if (auth) expect(op.security?.length).toBeGreaterThan(0);
    else expect(op.security ?? []).toEqual([]);
    expect(Object.keys(op.responses).filter((status) => /^2\d\d$/.test(status))).toHaveLength(1);
    // Every stream-rooms operation except ingress (which has its own reference and error shape) uses the one error body.
    if (path !== '/rooms/{room}/ingress') {
      for (const status of ['404', '429']) expect(op.responses[status]?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      expect(Object.keys(op.responses['200'].headers ?? {})).toEqual(expect.arrayContaining(['X-RateLimit-Remaining', 'X-RateLimit-Reset']));
      expect(Object.keys(op.responses['429'].headers ?? {})).toEqual(expect.arrayContaining(['Retry-After', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']));
    }
    if (op.requestBody && path !== '/rooms/{room}/ingress') expect(op.responses['413']).toBeDefined();
    if (auth && path !== '/rooms/{room}/ingress') expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403']));
  });

  it('operation ids are unique', () => {
    const ids = Object.values(doc.paths).flatMap((item: Json) => Object.values(item).map((op: Json) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents the limits the server enforces', () => {
    const mint = inline(doc.paths['/rooms/{room}/tokens'].post.requestBody.content['application/json'].schema);
    expect(mint.properties.ttl).toMatchObject({ type: 'integer', minimum: 1, maximum: 86_400 });
    expect(mint.required).toEqual(expect.arrayContaining(['user_id', 'display_name']));
    const create = inline(doc.paths['/rooms'].post.requestBody.content['application/json'].schema);
    expect(create.properties.max_viewers).toMatchObject({ minimum: 1, maximum: 1_000_000 });
    expect(create.required).toEqual(['name']);
    const moderate = inline(doc.paths['/rooms/{room}/moderation'].post.requestBody.content['application/json'].schema);
    expect(moderate.properties.action.enum).toEqual(['ban', 'mute', 'unban', 'unmute', 'stealth']);
    // The rotation body may be left out, and the document says so.
    expect(doc.paths['/rooms/{room}/webhook-secret'].post.requestBody.required).toBe(false);
    expect(doc.paths['/rooms'].post.requestBody.required).toBe(true);
  });
});

describe('the reference examples validate against the documented schemas', () => {
  // Copied verbatim from stream-rooms-rest.txt.
  const responses: Array<[string, string, unknown]> = [
    ['/rooms', 'post', { room: 'abc123xyz', name: 'My Stream Chat', owner: 'discord:123456789', api_key: 'sk_live_...' }],
    ['/rooms/{room}/public', 'get', { room: 'abc123xyz', name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], badges: ['verified'], online: true }],
    ['/rooms/{room}/tokens', 'post', { token: 'eyJhbGciOiJIUzI1NiIs...' }],
  ];
  const requests: Array<[string, string, unknown]> = [
    ['/rooms', 'post', { name: 'My Stream Chat', allowed_providers: ['discord', 'guest'], max_viewers: 100 }],
    ['/rooms/{room}', 'put', { name: 'Updated Name', allowed_providers: ['discord'], moderators: ['discord:987654321'], max_viewers: 500 }],
    ['/rooms/{room}/tokens', 'post', { user_id: 'custom:user123', display_name: 'ChatBot', roles: ['bot'], ttl: 3600 }],
    ['/rooms/{room}/moderation', 'post', { action: 'mute', target: 'discord:123456789', duration: 600, reason: 'Spam' }],
  ];

  it.each(responses)('response of %s %s', (path, method, example) => {
    expect(problems(responseSchema(path, method, 200), example)).toEqual([]);
  });

  it.each(requests)('request body of %s %s', (path, method, example) => {
    expect(problems(requestSchema(path, method), example)).toEqual([]);
  });

  it('the schemas refuse what does not match (so the passes above mean something)', () => {
    expect(problems(responseSchema('/rooms', 'post', 200), { room: 'abc', name: 'x', owner: null })).not.toEqual([]);
    expect(problems(responseSchema('/rooms/{room}/public', 'get', 200), { room: 'abc', name: 'x', allowed_providers: [], badges: [], online: 'yes' })).not.toEqual([]);
    expect(problems(responseSchema('/rooms/{room}/tokens', 'post', 200), { token: 42 })).not.toEqual([]);
    expect(problems(requestSchema('/rooms/{room}/tokens', 'post'), { user_id: 'custom:user123', display_name: 'ChatBot', ttl: 86_401 })).not.toEqual([]);
    expect(problems(requestSchema('/rooms/{room}/moderation', 'post'), { action: 'kick', target: 'discord:1' })).not.toEqual([]);
    expect(problems(requestSchema('/rooms', 'post'), { allowed_providers: ['discord'] })).not.toEqual([]);
  });

  it('the schemas declared in components match the examples they carry', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Json>)) {
      if (schema.example === undefined) continue;
      expect(problems(compile(schema), schema.example), name).toEqual([]);
    }
  });
});

describe('what the server really sends matches what the document says', () => {
  it('every stream-rooms answer, success and error, fits its documented schema', async () => {
    const owner = await server.identity('discord:contract');
    const admin = await server.identity('discord:admin');
    const created = await call('POST', '/rooms', owner, { name: 'Contract', allowed_providers: ['discord', 'guest'], max_viewers: 100 });
    const room = created.body.room as string;
    const check = (path: string, method: string, status: number, reply: { status: number; body: Json }) => {
      expect(reply.status, `${method.toUpperCase()} ${path}`).toBe(status);
      expect(problems(responseSchema(path, method, status), reply.body), `${method.toUpperCase()} ${path} ${status}`).toEqual([]);
    };
    check('/rooms', 'post', 200, created);
    check('/rooms', 'get', 200, await call('GET', '/rooms', owner));
    check('/rooms/{room}/public', 'get', 200, await call('GET', `/rooms/${room}/public`));
    check('/rooms/{room}', 'put', 200, await call('PUT', `/rooms/${room}`, owner, { moderators: ['discord:mod'], max_viewers: null }));
    check('/rooms/{room}/tokens', 'post', 200, await call('POST', `/rooms/${room}/tokens`, created.body.api_key, { user_id: 'custom:u', display_name: 'U' }));
    check('/rooms/{room}/moderation', 'post', 200, await call('POST', `/rooms/${room}/moderation`, owner, { action: 'mute', target: 'guest:x', duration: 60 }));
    check('/rooms/{room}/moderation', 'post', 200, await call('POST', `/rooms/${room}/moderation`, owner, { action: 'unmute', target: 'guest:x' }));
    check('/rooms/{room}/webhook-secret', 'get', 200, await call('GET', `/rooms/${room}/webhook-secret`, owner));
    check('/rooms/{room}/webhook-secret', 'post', 200, await call('POST', `/rooms/${room}/webhook-secret`, owner));
    check('/rooms/{room}/api-key', 'post', 200, await call('POST', `/rooms/${room}/api-key`, owner));
    check('/admin/audit-log', 'get', 200, await call('GET', `/admin/audit-log?room=${room}`, admin));
    check('/rooms/{room}/public', 'get', 404, await call('GET', '/rooms/nosuchroom000/public'));
    check('/rooms/{room}', 'put', 400, await call('PUT', `/rooms/${room}`, owner, { max_viewers: 'many' }));
    check('/rooms/{room}', 'put', 401, await call('PUT', `/rooms/${room}`, undefined, { name: 'x' }));
    check('/rooms/{room}', 'put', 403, await call('PUT', `/rooms/${room}`, admin, { name: 'x' }));
    check('/rooms/{room}/tokens', 'post', 413, await call('POST', `/rooms/${room}/tokens`, owner, { user_id: 'custom:u', display_name: 'a'.repeat(70_000) }));
  });
});

describe('/docs', () => {
  it('is an HTML page that names every operation, rendered without JavaScript', async () => {
    const res = await fetch(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<script');
    const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/<[^>]+>/g, '');
    const rendered = [...html.matchAll(/<summary>(.*?)<\/summary>/g)].map((m) => unescape(m[1]!));
    const expected = Object.entries(doc.paths).flatMap(([path, item]: [string, Json]) => Object.entries(item).map(([method, op]: [string, Json]) => `${method.toUpperCase()}${path} — ${op.summary}`));
    expect(rendered.sort()).toEqual(expected.sort());
    for (const [path, method] of streamRoomsOperations) expect(rendered.some((r) => r.startsWith(`${method.toUpperCase()}${path} — `))).toBe(true);
    expect(html).toContain('href="/openapi.json"');
  });
});
