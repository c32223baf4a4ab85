import type { TokenService } from '@parley/infra/auth';
import type { Bus } from '@parley/infra/bus';
import type { EventStore } from '@parley/infra/event-store';
import type { Logger, MetricsRegistry } from '@parley/infra/observability';
import type { SqliteDb } from '@parley/projections/shared';
import type { ReadModelProjector } from '@parley/projections/worker';
import type { DirectoryCache } from './application/directory-cache.js';
import type { RoomService } from './application/room-service.js';
import type { Config } from './config.js';

/** What the surfaces and tRPC procedures are given: the ports, already wired for the profile. */
export interface ApiContext {
  config: Config;
  logger: Logger;
  metrics: MetricsRegistry;
  store: EventStore;
  bus: Bus;
  rooms: RoomService;
  tokens: TokenService;
  /** Key for ids derived from Idempotency-Keys (never leaves the server). */
  idSecret: Uint8Array;
  readModels: { db: SqliteDb; projector: ReadModelProjector; directory: DirectoryCache };
  /** Viewers connected to a room now (0 until a realtime node is attached). */
  online(roomId: string): number;
  now(): number;
  isAdmin(identity: string): boolean;
}
