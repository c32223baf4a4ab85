import { loadConfig } from '@parley/app-api';
import { exitWhenAPartStops, startFanoutNode, stopOnSignals } from '@parley/app-api/cluster';

/**
 * A fan-out node of the cluster profile: `/ws`, `/sse`, `/healthz`, `/readyz`, `/metrics`.
 * Give every node its own PARLEY_NODE_ID (its Kafka consumer group is `fanout-<id>`, kept across
 * restarts so a restarted node resumes where it stopped) and its own PARLEY_DATA_DIR.
 */
const node = await startFanoutNode(loadConfig({ PARLEY_PROFILE: 'cluster', ...process.env }));
stopOnSignals('fanout', node.ctx.logger, () => node.stop());
exitWhenAPartStops(node, node.ctx.logger);
