/**
 * Which engines the e2e specs' servers run on, chosen by `PARLEY_E2E_PROFILE` (read by the test
 * helpers only, never by production code): `embedded` (default: SQLite store, in-process bus) or
 * `cluster` (PostgreSQL store, Kafka bus; see cluster-test-server.ts).
 */
export type E2eProfile = 'embedded' | 'cluster';

export function e2eProfileFrom(value: string | undefined): E2eProfile {
  if (value === undefined || value === '' || value === 'embedded') return 'embedded';
  if (value === 'cluster') return 'cluster';
  throw new Error(`PARLEY_E2E_PROFILE must be "embedded" or "cluster", not ${JSON.stringify(value)}`);
}

export const e2eProfile: E2eProfile = e2eProfileFrom(process.env.PARLEY_E2E_PROFILE);
