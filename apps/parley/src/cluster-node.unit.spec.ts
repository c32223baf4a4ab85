import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_ENTRIES, EMBEDDED_ENTRY, clusterNodeArgs, embeddedNodeArgs, nodeFlagsFor, profilingFlags } from '../../../scripts/cluster-node.mjs';

const root = join(import.meta.dirname, '..', '..', '..');
const latencyPath = ['api', 'relay', 'fanout'] as const;

describe('how a node is started', () => {
  it('names an entry file that exists for every role and for the embedded server', () => {
    for (const entry of [...Object.values(CLUSTER_ENTRIES), EMBEDDED_ENTRY]) expect(existsSync(join(root, entry)), entry).toBe(true);
  });

  it('gives the nodes on the latency path small semi-spaces and leaves the projector on V8 defaults', () => {
    for (const role of latencyPath) expect(nodeFlagsFor(role)).toContain('--max-semi-space-size=4');
    expect(nodeFlagsFor('projector')).toEqual([]);
  });

  it('puts the role flags, then the extra flags, then tsx and the entry', () => {
    expect(clusterNodeArgs('/repo', 'relay', ['--cpu-prof'])).toEqual(['--max-semi-space-size=4', '--cpu-prof', '--import', 'tsx', '/repo/apps/relay/src/main.ts']);
    expect(() => clusterNodeArgs('/repo', 'embedded' as never)).toThrow(/unknown cluster role: embedded/);
    expect(embeddedNodeArgs('/repo', ['--cpu-prof'])).toEqual(['--cpu-prof', '--import', 'tsx', '/repo/apps/parley/src/main.ts']);
  });

  it('reads profiling flags from PARLEY_NODE_FLAGS, split on any spaces', () => {
    expect(profilingFlags({ PARLEY_NODE_FLAGS: ' --cpu-prof  --cpu-prof-dir=/tmp/p ' })).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
    expect(profilingFlags({})).toEqual([]);
  });

  it('uses only flags this Node accepts', () => {
    for (const role of latencyPath) {
      // Node refuses an unknown flag with exit code 9 before running anything.
      const out = execFileSync(process.execPath, [...nodeFlagsFor(role), '-p', '"started"'], { encoding: 'utf8' });
      expect(out.trim()).toBe('started');
    }
  });
});
