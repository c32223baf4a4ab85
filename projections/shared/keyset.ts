/** Clamps a requested page size to [1, max]; undefined or NaN gives the default. */
export function clampLimit(requested: number | undefined, { max, fallback }: { max: number; fallback: number }): number {
  if (requested === undefined || !Number.isFinite(requested)) return Math.min(fallback, max);
  return Math.max(1, Math.min(max, Math.floor(requested)));
}

export interface KeysetPage<T, C> {
  items: T[];
  /** Pass back to get the next page; null when this page is the last. */
  nextCursor: C | null;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says that more exist, and the
 * cursor is the key of the last row returned.
 */
export function keysetPage<T, C>(rows: readonly T[], limit: number, cursorOf: (row: T) => C): KeysetPage<T, C> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
