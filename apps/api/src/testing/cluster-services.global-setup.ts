import { ensureService } from '../faults/cluster-harness.js';

/** vitest globalSetup of the cluster e2e pass: PostgreSQL and Kafka up (through their scripts) before any spec file starts. */
export default function setup(): void {
  ensureService('postgres');
  ensureService('kafka');
}
