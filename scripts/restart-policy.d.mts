export function restartDecision(exits: readonly number[], now: number, options?: { maxExits?: number; windowMs?: number }): { restart: boolean; recent: number[] };
