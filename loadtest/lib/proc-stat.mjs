// A process's own line in /proc/<pid>/stat (Linux), read one way everywhere.

import { readFileSync } from 'node:fs';

/** Clock ticks per second of the times in /proc (USER_HZ on Linux). */
export const CLOCK_TICKS = 100;

/**
 * The fields of a /proc/<pid>/stat line from the third (state) on, so field N of proc(5) is at
 * index N − 3. The command name (field 2) may hold spaces and parentheses: the fields start after
 * its last ')'.
 */
export function statFields(statLine) {
  return statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) used so far by `pid`. */
export function cpuSecondsOf(pid) {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A process's age in seconds from its stat line and the machine's uptime (s): field 22 is its start, in clock ticks after boot. */
export function processAgeSeconds(statLine, uptimeSeconds) {
  const startTicks = Number(statFields(statLine)[19]);
  if (!Number.isFinite(startTicks)) throw new Error(`not a /proc/<pid>/stat line: ${statLine.slice(0, 80)}`);
  return uptimeSeconds - startTicks / CLOCK_TICKS;
}
