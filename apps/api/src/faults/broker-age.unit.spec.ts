import { describe, expect, it } from 'vitest';
import { processAgeSeconds } from '../../../../loadtest/lib/proc-stat.mjs';
import { brokerAgeSeconds, YOUNG_BROKER_SECONDS, youngBrokerWarning } from './broker-age.js';
import { readFileSync } from 'node:fs';

// A real line's shape: pid (comm) state ppid … starttime is field 22.
const statLine = (comm: string, startTicks: number) =>
  `543 (${comm}) S 1 542 542 0 -1 4194560 123 0 0 0 1500 300 0 0 20 0 90 0 ${startTicks} 4000000000 120000 18446744073709551615`;

describe('how old the broker is', () => {
  it('reads the start time after the command name, even one with spaces and parentheses', () => {
    expect(processAgeSeconds(statLine('java', 5000), 1000)).toBe(950);
    expect(processAgeSeconds(statLine('C2 (Compiler) x', 5000), 1000)).toBe(950);
    expect(() => processAgeSeconds('garbage', 10)).toThrow(/not a \/proc/);
  });

  it('reads this process as younger than the machine and at least zero seconds old', () => {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const age = processAgeSeconds(readFileSync('/proc/self/stat', 'utf8'), uptime);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(uptime);
  });

  it('has no age without a broker running from that services dir', () => {
    expect(brokerAgeSeconds('/nonexistent')).toBeNull();
  });

  it('warns about a young broker only', () => {
    expect(youngBrokerWarning(42)).toMatch(/started 42 s ago/);
    expect(youngBrokerWarning(YOUNG_BROKER_SECONDS)).toBeNull();
    expect(youngBrokerWarning(null)).toBeNull();
  });
});
