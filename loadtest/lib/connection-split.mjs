// How a connection-scale run is spread over several server processes (the Parley cluster's
// fan-out nodes), and how the per-node figures add up again. Pure functions, unit-tested.

/** Connections one fan-out node is given: below the 20,000-descriptor limit of a process here, with room for its own sockets. */
export const CONNECTIONS_PER_FANOUT_NODE = 15_000;
/** Fewest fan-out nodes a cluster run starts: the cluster profile is about spreading viewers. */
export const MIN_FANOUT_NODES = 3;

/** Fan-out nodes for `connections`: enough for CONNECTIONS_PER_FANOUT_NODE each, at least MIN_FANOUT_NODES. */
export function fanoutNodesFor(connections, { perNode = CONNECTIONS_PER_FANOUT_NODE, min = MIN_FANOUT_NODES } = {}) {
  if (!(connections >= 0) || !(perNode > 0)) throw new Error(`bad connection count ${connections} / ${perNode}`);
  return Math.max(min, Math.ceil(connections / perNode));
}

/** `total` split into `parts` whole numbers that differ by at most one, the larger ones first. */
export function splitEvenly(total, parts) {
  if (!Number.isInteger(total) || total < 0) throw new Error(`splitEvenly: bad total ${total}`);
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`splitEvenly: bad parts ${parts}`);
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Which node gets which viewers: every room keeps `perRoom` viewers in all, spread over the
 * nodes (each node then serves every room, as viewers of one room land on any node behind a
 * load balancer). Nodes left with no viewer (fewer viewers per room than nodes) are dropped.
 * @returns {{node: number, perRoom: number, connections: number}[]}
 */
export function planConnections({ rooms, perRoom, nodes }) {
  if (!Number.isInteger(rooms) || rooms < 1) throw new Error(`planConnections: bad room count ${rooms}`);
  return splitEvenly(perRoom, nodes)
    .map((share, node) => ({ node, perRoom: share, connections: share * rooms }))
    .filter((part) => part.perRoom > 0);
}

/** What several frame counters said when ready, as one: sums, merged failure reasons, widest source range. */
export function mergeReady(infos) {
  const reasons = {};
  const fallback = infos.find((i) => i.clientFallback)?.clientFallback;
  for (const info of infos) for (const [reason, n] of Object.entries(info.reasons ?? {})) reasons[reason] = (reasons[reason] ?? 0) + n;
  return {
    connections: infos.reduce((s, i) => s + i.connections, 0),
    ready: infos.reduce((s, i) => s + i.ready, 0),
    failed: infos.reduce((s, i) => s + i.failed, 0),
    reasons,
    procs: infos.reduce((s, i) => s + i.procs, 0),
    sources: Math.max(0, ...infos.map((i) => i.sources)),
    // The C counter only if every part counted with it.
    client: infos.length > 0 && infos.every((i) => i.client === 'native') ? 'native' : 'node',
    ...(fallback ? { clientFallback: fallback } : {}),
  };
}

/**
 * Several frame counters' snapshots (one per fan-out node), taken together, as one: counts added,
 * the counting processes side by side, the earliest time (rates then never run fast).
 */
export function mergeSnapshots(snaps) {
  const total = (key) => snaps.reduce((s, x) => s + (x[key] ?? 0), 0);
  return {
    at: Math.min(...snaps.map((x) => x.at)),
    frames: total('frames'),
    cpuMicros: total('cpuMicros'),
    open: total('open'),
    closed: total('closed'),
    perProcess: snaps.flatMap((x) => x.perProcess),
  };
}

/**
 * Memory per open connection: Σ over the server processes of (VmRSS after − VmRSS before),
 * divided by the connections open (bytes, rounded; null with none open).
 */
export function bytesPerConnection(rssBefore, rssAfter, open) {
  if (rssBefore.length !== rssAfter.length) throw new Error('bytesPerConnection: one before and one after per process');
  if (!(open > 0)) return null;
  const grown = rssAfter.reduce((sum, after, i) => sum + (after - rssBefore[i]), 0);
  return Math.round(grown / open);
}
