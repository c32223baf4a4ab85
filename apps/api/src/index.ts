export { loadConfig, configSchema, type Config } from './config.js';
export { startParley, VERSION, type Parley, type ParleyOverrides } from './server.js';
export { serverSecret } from './secrets.js';
export type { AppRouter } from './trpc/index.js';
export { exitWhenAPartStops } from './ops/exit-when-a-part-stops.js';
export { stopOnSignals } from './ops/stop-on-signals.js';
