import { exitWhenAPartStops, loadConfig, startParley, stopOnSignals } from '@parley/app-api';

/** The embedded profile: one process, SQLite under PARLEY_DATA_DIR, every surface. */
const config = loadConfig();
if (config.PARLEY_PROFILE === 'cluster') {
  // Starting the embedded engines under a cluster name would look like a cluster and be none.
  console.error('npm start runs the embedded profile only; start the cluster profile with `npm run cluster` (README, "Cluster profile")');
  process.exit(2);
}
const parley = await startParley(config);
const logger = parley.ctx.logger;
stopOnSignals('embedded', logger, () => parley.stop());
// A relay, projector or network thread that stopped does not come back in this process: exit 1 so
// that a supervisor restarts it (/healthz and /readyz answer 503 meanwhile).
exitWhenAPartStops(parley, logger);
