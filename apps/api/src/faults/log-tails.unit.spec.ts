import { describe, expect, it, vi } from 'vitest';
import { logTails, printLogTailsOnFailure, type TestCluster } from './cluster-harness.js';

const process = (name: string, lines: string[]) => ({ name, logFile: `/data/${name}.log`, tail: (n: number) => lines.slice(-n).join('\n') });

describe('the cluster logs printed after a failed test', () => {
  it('give each process its own block with its last lines', () => {
    const text = logTails([process('api-1', ['one', 'two', 'three']), process('relay', ['relay stopped'])], 2);
    expect(text).toBe(['----- api-1: last 2 lines of /data/api-1.log', 'two', 'three', '----- relay: last 2 lines of /data/relay.log', 'relay stopped'].join('\n'));
  });

  it('are printed for a failed test only', () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const cluster = { all: () => [process('fanout-1', ['closing viewers'])] } as unknown as TestCluster;
    const hook = printLogTailsOnFailure(() => cluster);
    hook({ task: { name: 'passes', result: { state: 'pass' } } });
    expect(printed).not.toHaveBeenCalled();
    hook({ task: { name: 'restart a fan-out node', result: { state: 'fail' } } });
    expect(printed).toHaveBeenCalledTimes(1);
    expect(printed.mock.calls[0]![0]).toContain('after the failure of "restart a fan-out node"');
    expect(printed.mock.calls[0]![0]).toContain('closing viewers');
    printLogTailsOnFailure(() => undefined)({ task: { name: 'before the cluster started', result: { state: 'fail' } } });
    expect(printed).toHaveBeenCalledTimes(1);
    printed.mockRestore();
  });
});
