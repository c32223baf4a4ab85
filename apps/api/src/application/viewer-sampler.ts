import type { ViewerSample } from '@parley/projections/clickhouse';

/**
 * Every `intervalMs`, a node that serves realtime records how many viewers each of its rooms has
 * (the ClickHouse `viewer_samples` behind `/admin/stats/viewers`). A room that emptied since the
 * last sample is recorded once at 0, so its last count does not linger until it goes stale.
 */
export function startViewerSampler(options: {
  node: string;
  onlineByRoom: () => Record<string, number>;
  record: (samples: readonly ViewerSample[]) => Promise<void>;
  intervalMs: number;
  now?: () => number;
  onError: (err: unknown) => void;
}): { stop(): void } {
  const now = options.now ?? Date.now;
  let previous = new Set<string>();
  let running: Promise<void> | null = null;

  const sampleNow = async () => {
    const counts = options.onlineByRoom();
    const at = now();
    const samples: ViewerSample[] = Object.entries(counts).map(([room, viewers]) => ({ node: options.node, room, at, viewers }));
    for (const room of previous) if (!(room in counts)) samples.push({ node: options.node, room, at, viewers: 0 });
    await options.record(samples);
    previous = new Set(Object.keys(counts));
  };

  const timer = setInterval(() => {
    if (running) return; // a slow ClickHouse must not pile up inserts
    running = sampleNow()
      .catch(options.onError)
      .finally(() => (running = null));
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
