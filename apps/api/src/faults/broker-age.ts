import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAgeSeconds } from '../../../../loadtest/lib/proc-stat.mjs';

/*
 * How long the Kafka broker of the project's services has been running. A broker started minutes
 * ago still compiles its code under load (its JIT threads took a quarter of a core and doubled the
 * cluster's tail, docs/benchmarks.md, twenty-fourth session), so a latency run says how old its
 * broker was, and warns when it was young.
 */

/** Below this age (s) a broker is still compiling under load. */
export const YOUNG_BROKER_SECONDS = 180;

/** The broker's age in whole seconds (pid from the services' pid file), or null when it is not running here. */
export function brokerAgeSeconds(servicesDir: string): number | null {
  try {
    const pid = readFileSync(join(servicesDir, 'kafka', 'kafka.pid'), 'utf8').trim();
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.round(processAgeSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'), uptime));
  } catch {
    return null;
  }
}

/** A line for stderr when the broker is young, else null. */
export function youngBrokerWarning(ageSeconds: number | null): string | null {
  if (ageSeconds === null || ageSeconds >= YOUNG_BROKER_SECONDS) return null;
  return `warning: the Kafka broker started ${ageSeconds} s ago; it compiles its code for its first minutes under load, so this run's latency will be worse than on a broker that has carried load for a few minutes`;
}

/** The broker's age before a latency run (see brokerAgeSeconds), with a warning on stderr when it is young. */
export function brokerAgeBeforeRun(servicesDir: string): number | null {
  const age = brokerAgeSeconds(servicesDir);
  const warning = youngBrokerWarning(age);
  if (warning) console.error(warning);
  return age;
}
