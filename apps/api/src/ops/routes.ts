import type { HttpServer } from '@parley/infra/http';
import type { MetricsRegistry } from '@parley/infra/observability';

export interface Readiness {
  /** Null when ready, else what is not. */
  notReady(): Promise<string | null>;
  /** Null while the process can work, else why it cannot until it is restarted (`/healthz` fails too). */
  broken?(): string | null;
}

/**
 * `/healthz` (the process answers and no part of it stopped for good), `/readyz` (it can serve:
 * store reachable, read models caught up), `/metrics` (Prometheus text).
 */
export function mountOps(http: HttpServer, metrics: MetricsRegistry, readiness: Readiness): void {
  http.route(
    'get',
    '/healthz',
    () => {
      const broken = readiness.broken?.() ?? null;
      return broken ? { status: 503, body: { status: 'failed', reason: broken } } : { status: 200, body: { status: 'ok' } };
    },
    { name: 'healthz' },
  );
  http.route(
    'get',
    '/readyz',
    async () => {
      const problem = readiness.broken?.() ?? (await readiness.notReady());
      return problem ? { status: 503, body: { status: 'not ready', reason: problem } } : { status: 200, body: { status: 'ready' } };
    },
    { name: 'readyz' },
  );
  http.route('get', '/metrics', () => ({ status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body: metrics.render() }), { name: 'metrics' });
}

