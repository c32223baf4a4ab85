import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, trustForwardedFor, type Account } from './surfaces/simple-rooms/test-client.js';
import { jsonCall } from './testing/json-call.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/*
 * Requests generated from Parley's own OpenAPI document by Schemathesis (pinned, installed once by
 * scripts/tools/schemathesis.sh into .services/): bodies, paths, queries and headers the schema
 * allows and many it does not, against the stream-rooms, ingress, simple-rooms, account and admin
 * operations. Not one may be answered with a 5xx, hang, or take the server down. The limits are
 * raised for this server so the generated requests reach the handlers instead of a 429 (the limits
 * have specs of their own); the account operations' per-address limit, which has no setting, is
 * met by giving each generated request its own `X-Forwarded-For` (a Schemathesis hook).
 */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
let st = '';
let server: TestServer;
let dir = '';
let apiKey = '';
let owner = '';
let admin: Account; // `ryo` is in the test server's PARLEY_ADMINS
let accountFuzzer: Account;

beforeAll(async () => {
  st = execFileSync('bash', [join(repoRoot, 'scripts/tools/schemathesis.sh'), 'path'], { encoding: 'utf8', timeout: 600_000 }).trim();
  server = await startTestServer({ PARLEY_RATE_LIMIT_PER_MINUTE: '100000000', PARLEY_INGRESS_PER_IP_PER_10S: '0', PARLEY_INGRESS_PER_USER_PER_10S: '0' });
  owner = await server.identity('discord:fuzz-owner');
  const created = await jsonCall(server.url, 'POST', '/rooms', owner, { name: 'Fuzzed', allowed_providers: ['discord', 'guest'] });
  expect(created.status).toBe(200);
  apiKey = created.body.api_key as string;
  trustForwardedFor();
  const accounts = client(server.url);
  admin = await accounts.register('ryo');
  accountFuzzer = await accounts.register('fuzzer');
  const simpleRoom = await accounts.createRoom(admin, { type: 'public', name: 'Fuzzed too' });
  dir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
  writeFileSync(join(dir, 'schemathesis.toml'), `[parameters]\n"path.room" = "${created.body.room as string}"\n"path.id" = "${simpleRoom}"\n`);
  writeFileSync(
    join(dir, 'fresh_address.py'),
    [
      'import itertools',
      'import schemathesis',
      '',
      '_next = itertools.count(1)',
      '',
      '',
      '@schemathesis.hook',
      'def before_call(ctx, case, kwargs):',
      '    n = next(_next)',
      '    case.headers = {**(case.headers or {}), "X-Forwarded-For": f"10.200.{(n >> 8) & 255}.{n & 255}"}',
      '',
    ].join('\n'),
  );
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface FuzzRun {
  code: number | null;
  output: string;
  generated: number;
  failures: number;
}

/** One Schemathesis run over the operations whose path matches, with a fixed seed (the same requests every time). */
function fuzz(name: string, pathRegex: string, headers: Record<string, string>, excludeRegex?: string): Promise<FuzzRun> {
  const junit = join(dir, `${name}.xml`);
  const args = [
    '--config-file', join(dir, 'schemathesis.toml'),
    'run', `${server.url}/openapi.json`,
    '--checks', 'not_a_server_error',
    '--phases', 'fuzzing',
    '--max-examples', '60',
    '--seed', '1',
    '--generation-deterministic',
    '--request-timeout', '10',
    '--include-path-regex', pathRegex,
    ...(excludeRegex ? ['--exclude-path-regex', excludeRegex] : []),
    ...Object.entries(headers).flatMap(([header, value]) => ['-H', `${header}: ${value}`]),
    '--no-color',
    '--report', 'junit', '--report-junit-path', junit,
  ];
  return new Promise((resolve) => {
    // In the run's own temporary folder: Schemathesis keeps a cache of past failures (.schemathesis/) in its working directory.
    const env = { ...process.env, SCHEMATHESIS_HOOKS: 'fresh_address' };
    execFile(st, args, { cwd: dir, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`;
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
      let failures = -1;
      try {
        failures = [...readFileSync(junit, 'utf8').matchAll(/<testsuite[^>]*\sfailures="(\d+)"[^>]*\serrors="(\d+)"/g)].reduce((n, m) => n + Number(m[1]) + Number(m[2]), 0);
      } catch {
        // no report: the run did not get that far; `code` says so
      }
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output, generated, failures });
    });
  });
}

const expectClean = (run: FuzzRun) => {
  expect({ code: run.code, failures: run.failures }, run.output.slice(-4000)).toEqual({ code: 0, failures: 0 });
};

describe('generated requests (Schemathesis, from /openapi.json)', () => {
  it('ingress, with the room API key: no 5xx, no hang', async () => {
    const run = await fuzz('ingress', '^/rooms/\\{room\\}/ingress', { Authorization: `Bearer ${apiKey}` });
    expectClean(run);
    expect(run.generated).toBeGreaterThan(50);
  }, 300_000);

  it('the rest of stream rooms, as the owner: no 5xx, no hang; the server still answers afterwards', async () => {
    const run = await fuzz('rooms', '^/rooms', { Authorization: `Bearer ${owner}` }, 'ingress');
    expectClean(run);
    expect(run.generated).toBeGreaterThan(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 300_000);

  it('simple rooms, as an admin account: no 5xx, no hang', async () => {
    const run = await fuzz('simple-rooms', '^/api/rooms', { Authorization: `Bearer ${admin.token}`, 'X-Username': admin.username });
    expectClean(run);
    expect(run.generated).toBeGreaterThan(200);
  }, 300_000);

  it('admin, as an admin identity: no 5xx, no hang', async () => {
    const run = await fuzz('admin', '^/admin', { Authorization: `Bearer ${await server.identity('discord:admin')}` });
    expectClean(run);
    expect(run.generated).toBeGreaterThan(50);
  }, 300_000);

  it('accounts (register, login, refresh, logout), each request from its own address: no 5xx, no hang; the server still answers afterwards', async () => {
    const run = await fuzz('accounts', '^/api/auth', { Authorization: `Bearer ${accountFuzzer.token}` });
    expectClean(run);
    expect(run.generated).toBeGreaterThan(100);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 300_000);
});
