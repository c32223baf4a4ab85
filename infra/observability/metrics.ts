/** A small Prometheus text-format registry: counters, gauges and histograms with labels. */

type Labels = Record<string, string>;

/** Label sets are usually built once per route and reused: their keys are remembered by identity. */
const keys = new WeakMap<Labels, string>();
/** Label sets built per call (`{ outcome, source }`) are looked up by their plain concatenation, without the sort and escaping. */
const keysByText = new Map<string, string>();
const MAX_KEYS_BY_TEXT = 10_000;
const labelKey = (labels: Labels): string => {
  let k = keys.get(labels);
  if (k !== undefined) return k;
  let text = '';
  for (const name in labels) text += `${name}\u0000${labels[name]}\u0001`;
  k = keysByText.get(text);
  if (k !== undefined) return k; // a per-call object: remembering it by identity would only churn the WeakMap
  k = computeLabelKey(labels);
  if (keysByText.size < MAX_KEYS_BY_TEXT) keysByText.set(text, k);
  keys.set(labels, k);
  return k;
};

const computeLabelKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, () => number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), () => value);
  }
  /** The value is read when /metrics is scraped. */
  track(labels: Labels, read: () => number): void {
    this.values.set(labelKey(labels), read);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, read] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${read()}`);
    return lines.join('\n');
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  counter(name: string, help: string): Counter {
    return this.getOrAdd(name, () => new Counter(name, help)) as Counter;
  }
  gauge(name: string, help: string): Gauge {
    return this.getOrAdd(name, () => new Gauge(name, help)) as Gauge;
  }
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.getOrAdd(name, () => new Histogram(name, help, buckets)) as Histogram;
  }
  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
  private getOrAdd(name: string, make: () => Metric): Metric {
    let m = this.metrics.get(name);
    if (!m) this.metrics.set(name, (m = make()));
    return m;
  }
}
