export type { CheckpointStore } from './port.js';
export { sqliteCheckpoints, memoryCheckpoints } from './sqlite-checkpoints.js';
