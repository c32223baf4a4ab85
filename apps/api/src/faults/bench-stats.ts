import { clusterShapeArg } from '../../../../scripts/cluster-shape.mjs';
import { bucketsBetween, histogramBuckets, quantileBound } from '../../../../loadtest/lib/prometheus-histogram.mjs';
import { eventAgeStages } from '../ops/event-age.js';

/** The value at percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The value of the first sample line of a Prometheus text page that starts with `prefix` (name and labels), or null. */
export function metricValue(text: string, prefix: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.split(' ').at(-1)) : null;
}

/** The value after `--name` on the command line, or undefined. */
export function cliArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `--name N` as a number, or `fallback` when absent. */
export const numberArg = (name: string, fallback: number): number => Number(cliArg(name) ?? fallback);

/**
 * How many api and fan-out nodes a benchmark's cluster runs: `--apis N --fanouts N`, 2 and 2 by
 * default (the shape `npm run cluster` starts). Fewer nodes fit a small machine better: on two
 * cores, each extra node costs a share of the cores and the api nodes' commits wait for each other.
 */
export function clusterShapeArgs(): { apis: number; fanouts: number } {
  return clusterShapeArg(process.argv);
}

/** Each process's /metrics page, by process name. */
export async function scrapeMetrics(processes: ReadonlyArray<{ name: string; url: string }>): Promise<Map<string, string>> {
  return new Map(await Promise.all(processes.map(async (p) => [p.name, await (await fetch(`${p.url}/metrics`)).text()] as const)));
}

export interface EventAgeSummary {
  events: number;
  p50AtMostMs: number;
  p99AtMostMs: number;
}

/**
 * How old events were when the process's relay had them on the bus and when its realtime node sent
 * their frames, over what happened between two scrapes of its /metrics; a stage the process lacks,
 * or that saw nothing, is left out.
 */
export function eventAgesBetween(before: string, after: string): Partial<Record<keyof typeof eventAgeStages, EventAgeSummary>> {
  const out: Partial<Record<keyof typeof eventAgeStages, EventAgeSummary>> = {};
  for (const stage of Object.keys(eventAgeStages) as Array<keyof typeof eventAgeStages>) {
    const { name } = eventAgeStages[stage];
    const seen = bucketsBetween(histogramBuckets(before, name), histogramBuckets(after, name));
    const events = seen.at(-1)?.[1] ?? 0;
    if (events > 0) out[stage] = { events, p50AtMostMs: quantileBound(seen, 0.5) * 1000, p99AtMostMs: quantileBound(seen, 0.99) * 1000 };
  }
  return out;
}

export interface GcPauseSummary {
  pauses: number;
  /** Their total, in ms. */
  pausedMs: number;
  /** Pauses longer than 10 ms: each delays everything the process had in hand by as much. */
  over10Ms: number;
  /** The upper bound of the bucket holding the longest pause. */
  longestAtMostMs: number;
}

/** A process's garbage-collection pauses between two scrapes of its /metrics (`parley_gc_pause_seconds`), or null when it reports none. */
export function gcPausesBetween(before: string, after: string): GcPauseSummary | null {
  const name = 'parley_gc_pause_seconds';
  const [was, is] = [histogramBuckets(before, name), histogramBuckets(after, name)];
  const seen = bucketsBetween(was, is);
  const pauses = seen.at(-1)?.[1] ?? 0;
  if (pauses <= 0) return null;
  const sumOf = (text: string) => metricValue(text, `${name}_sum `) ?? 0;
  // As in bucketsBetween: a process that counts fewer now restarted, and counts from zero.
  const restarted = (is.at(-1)?.[1] ?? 0) < (was.at(-1)?.[1] ?? 0);
  const within10Ms = seen.find(([bound]) => bound >= 0.01)?.[1] ?? 0;
  return {
    pauses,
    pausedMs: Math.round((sumOf(after) - (restarted ? 0 : sumOf(before))) * 1000),
    over10Ms: pauses - within10Ms,
    longestAtMostMs: quantileBound(seen, 1) * 1000,
  };
}
