import http from 'node:http';
import type { ServerFrame } from '@parley/contracts/frames';
import { until } from './harness.js';

export interface SseEvent {
  id: string | null;
  frame: ServerFrame;
}

/** A plain HTTP client reading an SSE stream (what EventSource does, minus auto-reconnect). */
export interface TestSseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SseEvent[];
  /** Comment lines (keep-alives) received. */
  comments(): number;
  /** The id of the last event that had one: what EventSource sends back as Last-Event-ID. */
  lastEventId(): string | null;
  waitFor(check: (events: SseEvent[]) => boolean, ms?: number, what?: string): Promise<void>;
  close(): void;
  body(): Promise<string>;
}

export function openSse(url: string, lastEventId?: string): Promise<TestSseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } }, (res) => {
      const events: SseEvent[] = [];
      let text = '';
      let raw = '';
      let lastId: string | null = lastEventId ?? null;
      let comments = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        text += chunk;
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          let id: string | null = null;
          let data: string | null = null;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data = line.slice(6);
            else if (line.startsWith(':')) comments++;
          }
          if (id !== null) lastId = id;
          if (data !== null) events.push({ id, frame: JSON.parse(data) as ServerFrame });
        }
      });
      const ended = new Promise<string>((r) => res.on('end', () => r(raw)));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments: () => comments,
        lastEventId: () => lastId,
        waitFor: (check, ms, what) => until(() => check(events), ms, what),
        close: () => req.destroy(),
        body: () => ended,
      });
    });
    req.on('error', reject);
  });
}
