// Test clients for realtime suites (here and in the apps' e2e specs).
export { openRawWs, type RawWs } from './raw-ws.js';
