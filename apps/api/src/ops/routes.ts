import type { HttpServer } from '@parley/infra/http';
import type { MetricsRegistry } from '@parley/infra/observability';

export interface Readiness {
  /** Null when ready, else what is not. */
  notReady(): Promise<string | null>;
}

/** `/healthz` (the process answers), `/readyz` (it can serve: store reachable, read models caught up), `/metrics` (Prometheus text). */
export function mountOps(http: HttpServer, metrics: MetricsRegistry, readiness: Readiness): void {
  http.route('get', '/healthz', () => ({ status: 200, body: { status: 'ok' } }), { name: 'healthz' });
  http.route(
    'get',
    '/readyz',
    async () => {
      const problem = await readiness.notReady();
      return problem ? { status: 503, body: { status: 'not ready', reason: problem } } : { status: 200, body: { status: 'ready' } };
    },
    { name: 'readyz' },
  );
  http.route('get', '/metrics', () => ({ status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body: metrics.render() }), { name: 'metrics' });
}

/** The first part of a node that stopped by itself, as a readiness reason (`relay stopped: …`), else null. */
export function stoppedPart(parts: ReadonlyArray<readonly [name: string, failure: Error | null | undefined]>): string | null {
  for (const [name, failure] of parts) if (failure) return `${name} stopped: ${failure.message}`;
  return null;
}
