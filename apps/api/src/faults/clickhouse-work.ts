/**
 * What a ClickHouse server did between two readings of its `system.events` (cumulative counters
 * since it started): inserts and queries are what it pays for on 18.16, whatever their size. The
 * server is shared, so this counts whatever else used it meanwhile too.
 */
export interface ClickhouseWork {
  inserts: number;
  selects: number;
  insertedRows: number;
  mergedRows: number;
}

const counters: Record<keyof ClickhouseWork, string> = {
  inserts: 'InsertQuery',
  selects: 'SelectQuery',
  insertedRows: 'InsertedRows',
  mergedRows: 'MergedRows',
};

export type ClickhouseEvents = ReadonlyMap<string, number>;

/** `system.events` as TSV lines (`event\tvalue`) → a map; lines that are not two columns are skipped. */
export function parseClickhouseEvents(tsv: string): ClickhouseEvents {
  const events = new Map<string, number>();
  for (const line of tsv.split('\n')) {
    const [name, value, extra] = line.split('\t');
    if (name && value !== undefined && extra === undefined && /^\d+$/.test(value)) events.set(name, Number(value));
  }
  return events;
}

/**
 * The work between two readings. A counter the server had not counted yet is absent (0). A server
 * restarted between them counts from zero again: the second reading is then all there is.
 */
export function clickhouseWorkBetween(before: ClickhouseEvents, after: ClickhouseEvents): ClickhouseWork {
  const restarted = Object.values(counters).some((name) => (after.get(name) ?? 0) < (before.get(name) ?? 0));
  const delta = (name: string) => (after.get(name) ?? 0) - (restarted ? 0 : (before.get(name) ?? 0));
  return {
    inserts: delta(counters.inserts),
    selects: delta(counters.selects),
    insertedRows: delta(counters.insertedRows),
    mergedRows: delta(counters.mergedRows),
  };
}

/** Reads the counters over ClickHouse's HTTP interface (`url` without a database, e.g. http://127.0.0.1:28123). */
async function readClickhouseEvents(url: string): Promise<ClickhouseEvents> {
  const names = Object.values(counters).map((n) => `'${n}'`).join(', ');
  const response = await fetch(url, { method: 'POST', body: `SELECT event, value FROM system.events WHERE event IN (${names}) FORMAT TSV` });
  if (!response.ok) throw new Error(`ClickHouse system.events: ${response.status} ${await response.text()}`);
  return parseClickhouseEvents(await response.text());
}

/** Reads the counters now; `stop()` reads them again and gives what the server did in between. */
export async function startClickhouseWorkMeter(url: string): Promise<{ stop(): Promise<ClickhouseWork> }> {
  const before = await readClickhouseEvents(url);
  return { stop: async () => clickhouseWorkBetween(before, await readClickhouseEvents(url)) };
}
