import { loadConfig, startParley } from '@parley/app-api';

/** The embedded profile: one process, SQLite under PARLEY_DATA_DIR, every surface. */
const config = loadConfig();
if (config.PARLEY_PROFILE === 'cluster') {
  // Starting the embedded engines under a cluster name would look like a cluster and be none.
  console.error('npm start runs the embedded profile only; start the cluster profile with `npm run cluster` (README, "Cluster profile")');
  process.exit(2);
}
const parley = await startParley(config);
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
