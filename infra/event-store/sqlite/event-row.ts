import type { StoredEvent } from '../port.js';

/** A row of the SQLite store's `events` table, as better-sqlite3 returns it. */
export interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

export const toStored = (row: EventRow): StoredEvent => ({
  id: row.id,
  stream: row.stream,
  revision: row.revision,
  position: row.position,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  recordedAt: row.recorded_at,
});

/** The columns a `LazyStoredEvent` is made of, in this order (a raw row). */
export const eventColumns = 'position, id, stream, revision, type, data, metadata, recorded_at';
export type EventColumns = [position: number, id: string, stream: string, revision: number, type: string, data: string, metadata: string, recordedAt: number];

/**
 * A stored event whose data and metadata are decoded on first use, and whose data is also at hand
 * as the JSON text the store holds (`dataJson`). For a reader whose consumer looks at few events'
 * contents (the projector: chat messages, most of the log, are stored by the timeline as text).
 * Its fields are getters: it must not be posted to another thread (structured clone drops them).
 */
export class LazyStoredEvent implements StoredEvent {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly type: string;
  readonly recordedAt: number;
  readonly dataJson: string;
  private readonly metadataJson: string;
  private decodedData: unknown = undefined;
  private decodedMetadata: Record<string, unknown> | undefined = undefined;

  constructor([position, id, stream, revision, type, data, metadata, recordedAt]: EventColumns) {
    this.id = id;
    this.stream = stream;
    this.revision = revision;
    this.position = position;
    this.type = type;
    this.recordedAt = recordedAt;
    this.dataJson = data;
    this.metadataJson = metadata;
  }

  get data(): unknown {
    return (this.decodedData ??= JSON.parse(this.dataJson));
  }

  get metadata(): Record<string, unknown> {
    return (this.decodedMetadata ??= JSON.parse(this.metadataJson) as Record<string, unknown>);
  }
}
