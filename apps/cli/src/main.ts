import { loadConfig, serverSecret } from '@parley/app-api';
import { TokenService } from '@parley/infra/auth';

/**
 * Admin commands that run beside a server and share its data dir (and so its JWT secret).
 *   parley-cli mint-owner-token <provider:id> [--ttl <seconds>]
 */
const usage = `usage:
  npm run cli -- mint-owner-token <provider:id> [--ttl <seconds>]   print an identity token (default ttl 30 days)
environment: PARLEY_DATA_DIR (default ./data) or PARLEY_JWT_SECRET, as the server uses them`;

const [command, ...args] = process.argv.slice(2);

async function main(): Promise<number> {
  if (command === 'mint-owner-token') {
    const sub = args.find((a) => !a.startsWith('--'));
    const ttlIndex = args.indexOf('--ttl');
    const ttl = ttlIndex >= 0 ? Number(args[ttlIndex + 1]) : 30 * 86_400;
    if (!sub || !/^[a-z0-9_-]+:[^\s:]+$/i.test(sub)) {
      console.error('mint-owner-token needs an identity of the form provider:id, e.g. discord:123456789');
      return 2;
    }
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 365 * 86_400) {
      console.error('--ttl must be a whole number of seconds from 1 to 31536000');
      return 2;
    }
    const tokens = new TokenService(serverSecret(loadConfig()));
    console.log(await tokens.issueIdentity(sub, ttl));
    return 0;
  }
  console.error(usage);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

process.exit(await main());
