import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckpointStore } from './port.js';

export function sqliteCheckpoints(file: string): CheckpointStore & { close(): void } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // A checkpoint lost in a power cut only means republishing a little (consumers dedupe): no fsync per save.
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID');
  const get = db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE name = ?');
  const put = db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position');
  return {
    async load(name) {
      return get.get(name)?.position ?? 0;
    },
    async save(name, position) {
      put.run(name, position);
    },
    close: () => db.close(),
  };
}

export function memoryCheckpoints(): CheckpointStore {
  const positions = new Map<string, number>();
  return {
    async load(name) {
      return positions.get(name) ?? 0;
    },
    async save(name, position) {
      positions.set(name, position);
    },
  };
}
