import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { startParley, type Parley, type ParleyOverrides } from '../server.js';

export interface TestServer {
  url: string;
  parley: Parley;
  /** An identity token for `provider:id`, as the admin CLI mints it. */
  identity(sub: string, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

/** A real embedded Parley on an ephemeral loopback port with its own temporary data dir. */
export async function startTestServer(env: Record<string, string> = {}, overrides: ParleyOverrides = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const config: Config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PARLEY_ADMINS: 'discord:admin,ryo', ...env });
  const parley = await startParley(config, overrides);
  return {
    url: `http://127.0.0.1:${parley.port}`,
    parley,
    identity: (sub, ttl = 3600) => parley.ctx.tokens.issueIdentity(sub, ttl),
    async stop() {
      await parley.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
