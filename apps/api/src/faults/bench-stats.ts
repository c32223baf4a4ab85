import { nodeCountArg } from '../../../../scripts/cluster-shape.mjs';

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
  return { apis: nodeCountArg(process.argv, 'apis'), fanouts: nodeCountArg(process.argv, 'fanouts') };
}
