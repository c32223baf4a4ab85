// The processes `npm run cluster` starts, and their loopback ports: the relay, `apis` api nodes
// (8081…), `fanouts` fan-out nodes (8091…) and the projector. 2 and 2 by default; on a small
// machine fewer nodes leave more of its cores to each (docs/benchmarks.md, twelfth session).

export const MAX_NODES_PER_ROLE = 9;

/** `--name N` from `argv`: a whole number from 1 to 9, `fallback` when absent; throws on anything else. */
export function nodeCountArg(argv, name, fallback = 2) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const raw = argv[i + 1];
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1 || n > MAX_NODES_PER_ROLE) {
    throw new RangeError(`--${name} takes a whole number from 1 to ${MAX_NODES_PER_ROLE} (got ${raw ?? 'nothing'})`);
  }
  return n;
}

/** `--apis N --fanouts N` from `argv` (2 and 2 when absent), each checked by `nodeCountArg`. */
export function clusterShapeArg(argv) {
  return { apis: nodeCountArg(argv, 'apis'), fanouts: nodeCountArg(argv, 'fanouts') };
}

const numbered = (count, role, basePort, what) =>
  Array.from({ length: count }, (_, i) => ({ name: `${role}-${i + 1}`, role, port: basePort + i + 1, what }));

/** The relay first: it creates the topic the others consume. */
export function clusterProcesses({ apis = 2, fanouts = 2 } = {}) {
  return [
    { name: 'relay', role: 'relay', port: 8071, what: 'store → Kafka (ops only)' },
    ...numbered(apis, 'api', 8080, 'REST, tRPC, OpenAPI'),
    ...numbered(fanouts, 'fanout', 8090, '/ws, /sse'),
    { name: 'projector', role: 'projector', port: 8072, what: 'Kafka → ClickHouse (ops only)' },
  ];
}
