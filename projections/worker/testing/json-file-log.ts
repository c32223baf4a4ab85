import { readFileSync } from 'node:fs';
import type { StoredEventLike } from '../../shared/index.js';

/**
 * A log-reader module for tests: the log is a JSON file holding an array of events, read again
 * on every range (so a test can change it between batches).
 */
export function openLogReader(file: string) {
  return {
    readRange(after: number, upTo: number): StoredEventLike[] {
      const events = JSON.parse(readFileSync(file, 'utf8')) as StoredEventLike[];
      return events.filter((e) => e.position > after && e.position <= upTo);
    },
    close() {},
  };
}

export const jsonFileLogModule: string = import.meta.url;
