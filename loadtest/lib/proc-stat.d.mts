export declare const CLOCK_TICKS: number;
export declare function statFields(statLine: string): string[];
export declare function cpuSecondsOf(pid: number | string): number;
export declare function processAgeSeconds(statLine: string, uptimeSeconds: number): number;
