import type { ClickHouseClient } from '@clickhouse/client';
import { unstoredRows } from './dedupe.js';
import { qualified, selectRows, sqlString, sqlUInt } from './sql.js';

export interface ViewerSample {
  /** The fan-out node that counted. */
  node: string;
  room: string;
  /** When it counted, ms epoch. */
  at: number;
  /** Clients of that room connected to that node at `at`. */
  viewers: number;
}

export interface RoomViewers {
  roomId: string;
  viewers: number;
  /** Nodes whose latest sample counted. */
  nodes: number;
}

/** A node that sent no sample for this long is gone: its last count no longer counts. */
export const defaultStaleAfterMs = 30_000;

function check(s: ViewerSample): void {
  if (s.node === '' || s.room === '') throw new Error('a viewer sample needs a node and a room');
  if (!Number.isSafeInteger(s.at) || s.at < 0) throw new Error(`bad sample time: ${s.at}`);
  if (!Number.isInteger(s.viewers) || s.viewers < 0 || s.viewers > 0xffffffff) throw new Error(`bad viewer count: ${s.viewers}`);
}

/**
 * One insert for a node's samples (call it every few seconds from a fan-out node; include rooms
 * that dropped to 0, or their last count lingers until it goes stale). A sample whose node, room
 * and time are already stored is not written again: a re-sent sample adds no row (a node never
 * counts twice in the same millisecond, so the first count stands).
 */
export function viewerSampleRecorder(client: ClickHouseClient, database: string) {
  const table = qualified(database, 'viewer_samples');
  return async function recordViewerSamples(samples: readonly ViewerSample[]): Promise<void> {
    samples.forEach(check);
    const rows = await unstoredRows(client, database, 'viewer_samples', samples.map((s) => ({ node: s.node, room: s.room, at: s.at, viewers: s.viewers })));
    if (rows.length > 0) await client.insert({ table, values: rows, format: 'JSONEachRow' });
  };
}

/**
 * Viewers per room at a moment: for each node, its latest sample of the room taken in
 * (at - staleAfterMs, at]; summed over nodes. Rooms at 0 are left out.
 */
export async function activeViewers(
  client: ClickHouseClient,
  database: string,
  query: { at: number; roomId?: string; staleAfterMs?: number },
): Promise<RoomViewers[]> {
  const staleAfter = query.staleAfterMs ?? defaultStaleAfterMs;
  const from = Math.max(0, query.at - staleAfter);
  const rows = await selectRows<{ room: string; viewers: number; nodes: number }>(
    client,
    `SELECT room, sum(latest) AS viewers, count() AS nodes FROM (
       SELECT room, node, argMax(viewers, at) AS latest FROM ${qualified(database, 'viewer_samples')}
       WHERE at > ${sqlUInt(from)} AND at <= ${sqlUInt(query.at)}${query.roomId !== undefined ? ` AND room = ${sqlString(query.roomId)}` : ''}
       GROUP BY room, node
     ) GROUP BY room HAVING viewers > 0 ORDER BY viewers DESC, room`,
  );
  return rows.map((r) => ({ roomId: r.room, viewers: r.viewers, nodes: r.nodes }));
}
