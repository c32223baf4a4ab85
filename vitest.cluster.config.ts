import { defineConfig } from 'vitest/config';

/*
 * The e2e specs a second time, on the cluster profile's engines: `PARLEY_E2E_PROFILE=cluster`
 * makes `startTestServer` (apps/api/src/testing/test-server.ts) run each server on PostgreSQL
 * (a fresh schema) and Kafka (a fresh topic), with the relay, the store-fed read models, realtime
 * and the API in the test's process. `npm test` runs this pass after the main one and counts both;
 * alone: `npx vitest run --config vitest.cluster.config.ts [filters]`. PostgreSQL and Kafka are
 * started through scripts/services first (globalSetup).
 *
 * Every `apps/api/src/**\/*.e2e.spec.ts` runs here, except:
 * * cluster.e2e.spec.ts and faults/**: they start the cluster profile as separate processes
 *   themselves (api, fan-out, relay, projector), so they already test it; a second run would
 *   test the same thing twice.
 * No spec is embedded-only today. Where a spec injects something the cluster engines take
 * elsewhere (a lagging in-process bus), it injects the cluster's equivalent (`storeFeedLagMs`).
 */
export default defineConfig({
  test: {
    name: 'e2e-cluster',
    include: ['apps/api/src/**/*.e2e.spec.ts'],
    exclude: ['**/node_modules/**', 'apps/api/src/cluster.e2e.spec.ts', 'apps/api/src/faults/**'],
    env: { PARLEY_E2E_PROFILE: 'cluster' },
    globalSetup: ['apps/api/src/testing/cluster-services.global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
