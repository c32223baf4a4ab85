export { roomLog, dumpTables } from './room-log.js';
export * from './stream-room-scenario.js';
