export const PROCESS_GROUPS: ReadonlyArray<readonly [string, (cmdline: string) => boolean]>;
export function groupOf(cmdline: string): string | null;
export function threadColumn(group: string, threadName: string): string;
export function parseSchedstat(text: string): [number, number];
export function parseCpuLine(text: string): { idle: number; iowait: number; steal: number };
export function startCpuTimeline(options: { file: string; intervalMs?: number }): Promise<{ stop(): Promise<void> }>;
