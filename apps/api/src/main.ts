import { loadConfig } from './config.js';
import { startParley } from './server.js';

const parley = await startParley(loadConfig());
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  parley.ctx.logger.info({ signal }, 'stopping');
  await parley.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
