/**
 * ClickHouse read models of the cluster profile: audit log, message history and word search,
 * admin stats and viewer samples, fed in batches by `clickhouseProjector`.
 * Import as `@parley/projections/clickhouse`.
 */
export { clickhouseTables, migrateClickhouse, dropProjectedTables, type ClickhouseTable } from './schema.js';
export { clickhouseProjector, type ClickhouseProjector, type ClickhouseProjectorOptions, type AppliedBatch } from './projector.js';
export { rowsOf, type ProjectedRows, type AuditRow, type MessageRow, type RemovalRow } from './rows.js';
export { tokenize } from './tokens.js';
export { clickhouseAuditLog, clickhouseAuditLogMaxLimit } from './audit-log-query.js';
export { searchMessages, messageSearchMaxLimit, type MessageSearchQuery, type MessageHit } from './message-search.js';
export {
  messagesPerMinute,
  ingressBySource,
  moderationActions,
  statsMaxRows,
  type TimeRange,
  type Truncatable,
  type MessagesPerMinute,
  type IngressBySource,
  type ModerationCount,
  type ModerationBucket,
} from './admin-stats.js';
export { viewerSampleRecorder, activeViewers, defaultStaleAfterMs, type ViewerSample, type RoomViewers } from './viewer-samples.js';
export { qualified, sqlString } from './sql.js';
export { clickhouseFeed, type ClickhouseFeed, type ClickhouseFeedOptions } from './feed.js';
