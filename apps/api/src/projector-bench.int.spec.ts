import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bench = join(import.meta.dirname, 'projector-bench.ts');

// The bench is a tool people run by hand; this runs it small in both forms so it cannot rot unseen.
describe('projector bench (apps/api/src/projector-bench.ts)', () => {
  for (const timeline of ['log', 'copy'] as const) {
    it(`measures the timeline ${timeline === 'log' ? 'over the log' : 'copying messages'}`, () => {
      const out = execFileSync(process.execPath, ['--import', 'tsx', bench, '50', '500', '4', timeline], { encoding: 'utf8', timeout: 60_000 });
      const result = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(result).toMatchObject({ timeline: timeline === 'log' ? 'log' : 'timeline', events: 500, batch: 50, rooms: 4 });
      expect(result.microsecondsPerEvent).toBeGreaterThan(0);
      expect(result.readMicrosecondsPerEvent).toBeGreaterThan(0);
      expect(result.readMicrosecondsPerEvent).toBeLessThanOrEqual(result.microsecondsPerEvent);
    });
  }
});
