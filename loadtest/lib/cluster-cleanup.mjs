#!/usr/bin/env node
// Drops what one `parley-cluster` bench run created in the shared services: its PostgreSQL
// schema and its Kafka topic, then removes its data dirs. Run by parley-cluster.mjs when the
// target stops, and detached (outliving the harness) after Ctrl-C.
//   node loadtest/lib/cluster-cleanup.mjs --database-url URL --schema S --brokers B --topic T --dir D
// pg and kafkajs come from the repository's root install (the cluster profile's own clients).

import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './args.mjs';

const REPO = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const requireFromRepo = createRequire(path.join(REPO, 'package.json'));
const args = parseArgs(process.argv.slice(2));
const schema = String(args.schema ?? '');
const topic = String(args.topic ?? '');
// Only what the bench itself names: never anything else in the shared services.
if (!/^bench_[a-f0-9]+$/.test(schema) || !/^parley\.bench\.[a-f0-9]+$/.test(topic)) {
  console.error(`cluster-cleanup: refusing schema ${JSON.stringify(schema)} / topic ${JSON.stringify(topic)}`);
  process.exit(2);
}

async function dropSchema() {
  const pg = requireFromRepo('pg');
  const client = new pg.Client({ connectionString: String(args['database-url']) });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function deleteTopic() {
  const { Kafka, logLevel } = requireFromRepo('kafkajs');
  const admin = new Kafka({ brokers: String(args.brokers).split(','), clientId: 'parley-bench-cleanup', logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (topics.includes(topic)) await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    // The nodes' consumer groups (their node ids carry the run id). A group whose killed member
    // has not timed out yet (session timeout 10 s) is not empty and cannot be deleted: try again.
    const runId = topic.slice('parley.bench.'.length);
    for (let attempt = 0; attempt < 4; attempt++) {
      const { groups } = await admin.listGroups();
      const ours = groups.map((g) => g.groupId).filter((g) => g.includes(`bench-${runId}-`));
      if (ours.length === 0) break;
      const deleted = await admin.deleteGroups(ours).then(
        () => true,
        () => false,
      );
      if (deleted) break;
      await new Promise((r) => setTimeout(r, 5000));
    }
  } finally {
    await admin.disconnect();
  }
}

const results = await Promise.allSettled([dropSchema(), deleteTopic()]);
if (args.dir && path.basename(String(args.dir)).startsWith('parley-bench-cluster-')) rmSync(String(args.dir), { recursive: true, force: true });
const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason?.message ?? String(r.reason));
if (failures.length > 0) {
  console.error(`cluster-cleanup: ${failures.join('; ')}`);
  process.exit(1);
}
