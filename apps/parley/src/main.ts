import { loadConfig, startParley } from '@parley/app-api';

/** The embedded profile: one process, SQLite under PARLEY_DATA_DIR, every surface. */
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
