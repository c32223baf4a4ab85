import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { exitWhenAPartStops } from './exit-when-a-part-stops.js';
import { StoppedParts } from './stopped-parts.js';

describe('exitWhenAPartStops', () => {
  it('stops the node, then exits with 1, once a part stops; not before', async () => {
    const parts = new StoppedParts();
    const steps: string[] = [];
    const lines: string[] = [];
    const logger = pino({ level: 'fatal' }, { write: (line: string) => void lines.push(line) });
    let exited!: () => void;
    const done = new Promise<void>((resolve) => (exited = resolve));
    exitWhenAPartStops(
      { stoppedPart: parts.first, stop: async () => void steps.push('stop') },
      logger,
      (code) => {
        steps.push(`exit ${code}`);
        exited();
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(steps).toEqual([]);
    parts.report('relay', new Error('the bus refused the batch'));
    await done;
    expect(steps).toEqual(['stop', 'exit 1']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 60, part: 'relay', msg: 'exiting: the relay stopped, and a restart is what brings it back' });
  });

  it('exits with 1 even when stopping fails', async () => {
    const parts = new StoppedParts();
    let code: number | undefined;
    const done = new Promise<void>((resolve) =>
      exitWhenAPartStops({ stoppedPart: parts.first, stop: () => Promise.reject(new Error('store gone')) }, pino({ level: 'silent' }), (c) => {
        code = c;
        resolve();
      }),
    );
    parts.report('realtime', new Error('network thread exited with code 1'));
    await done;
    expect(code).toBe(1);
  });
});
