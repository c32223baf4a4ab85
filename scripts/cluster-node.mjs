// How a Parley node's process is started: its entry file and the Node flags its role runs with.
// `npm start` (the embedded server), `npm run cluster`, the test harness and the load-test harness
// all start nodes through this, so they never drift apart.
import { join } from 'node:path';

export const CLUSTER_ENTRIES = {
  api: 'apps/api/src/cluster.ts',
  fanout: 'apps/fanout/src/main.ts',
  relay: 'apps/relay/src/main.ts',
  projector: 'apps/projector/src/main.ts',
};

// Every message passes through an api node, the relay and a fan-out node on its way to viewers.
// Their garbage is almost all short-lived, and V8's default 16 MiB semi-spaces let a scavenge hold
// the event loop for 10 ms and more. With 4 MiB semi-spaces on these three roles, the cluster's
// ingress → WS p99 at 2,500 /s was lower in 7 of 9 alternated probe pairs (by 3–53 ms; 4 and
// 103 ms higher in the other two), and neither the durable ingress ceiling (wrk) nor the fan-out
// rate fell (docs/benchmarks.md, twenty-second and twenty-third sessions). The projector batches
// into ClickHouse with room in its lag target; there the larger young generation costs less CPU.
const LATENCY_PATH_FLAGS = Object.freeze(['--max-semi-space-size=4']);

/** The embedded profile's single process (`npm start`). */
export const EMBEDDED_ENTRY = 'apps/parley/src/main.ts';

/**
 * Extra Node flags from PARLEY_NODE_FLAGS (split on spaces): the ones NODE_OPTIONS refuses, e.g.
 * '--cpu-prof --cpu-prof-dir=/tmp/prof' or '--perf-basic-prof-only-functions', for profiling.
 */
export function profilingFlags(env = process.env) {
  return (env.PARLEY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/** The Node flags a node of `role` runs with. */
export function nodeFlagsFor(role) {
  return role === 'projector' ? [] : LATENCY_PATH_FLAGS;
}

/** `node` arguments that start a node of `role` from the repository at `root`; `extraFlags` go before the entry (profiling). */
export function clusterNodeArgs(root, role, extraFlags = []) {
  const entry = CLUSTER_ENTRIES[role];
  if (!entry) throw new RangeError(`unknown cluster role: ${role}`);
  return [...nodeFlagsFor(role), ...extraFlags, '--import', 'tsx', join(root, entry)];
}

/** `node` arguments that start the embedded server from the repository at `root` (V8's defaults: it was measured no faster with small semi-spaces). */
export function embeddedNodeArgs(root, extraFlags = []) {
  return [...extraFlags, '--import', 'tsx', join(root, EMBEDDED_ENTRY)];
}
