export interface DiskStallSummary {
  /** How long the summary covers: since the monitor started, or since `begin()`. */
  measuredMs: number;
  syncs: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  thresholdMs: number;
  stalls: number;
  stalledMs: number;
  stalledShare: number;
  longest: number[];
}
export function summarizeSyncs(durations: number[], elapsedMs: number, thresholdMs: number): DiskStallSummary;
export function describeDiskStalls(summary: DiskStallSummary): string;
export function startDiskStallMonitor(options?: { dir?: string; intervalMs?: number; thresholdMs?: number }): Promise<{ begin(): void; stop(): Promise<DiskStallSummary> }>;
