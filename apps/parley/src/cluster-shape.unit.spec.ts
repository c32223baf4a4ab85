import { describe, expect, it } from 'vitest';
import { clusterProcesses, clusterShapeArg, nodeCountArg } from '../../../scripts/cluster-shape.mjs';

describe('npm run cluster: how many nodes, on which ports', () => {
  it('starts the relay, 2 api nodes, 2 fan-out nodes and the projector by default, on the documented ports', () => {
    expect(clusterProcesses().map((p) => `${p.name}:${p.port}`)).toEqual(['relay:8071', 'api-1:8081', 'api-2:8082', 'fanout-1:8091', 'fanout-2:8092', 'projector:8072']);
  });

  it('takes --apis and --fanouts, numbering nodes and ports from 1', () => {
    const argv = ['node', 'cluster.mjs', '--keep-services', '--apis', '1', '--fanouts', '3'];
    const processes = clusterProcesses(clusterShapeArg(argv));
    expect(processes.filter((p) => p.role === 'api').map((p) => `${p.name}:${p.port}`)).toEqual(['api-1:8081']);
    expect(processes.filter((p) => p.role === 'fanout').map((p) => `${p.name}:${p.port}`)).toEqual(['fanout-1:8091', 'fanout-2:8092', 'fanout-3:8093']);
    expect(processes[0]!.role).toBe('relay');
  });

  it('keeps 2 when the option is absent, and refuses counts that are not 1 to 9', () => {
    expect(nodeCountArg(['node', 'cluster.mjs'], 'apis')).toBe(2);
    for (const bad of [['--apis'], ['--apis', '0'], ['--apis', '10'], ['--apis', '1.5'], ['--apis', 'two']]) {
      expect(() => nodeCountArg(['node', 'cluster.mjs', ...bad], 'apis')).toThrow(/--apis takes a whole number from 1 to 9/);
    }
  });
});
