import type { ApiContext } from '../context.js';

/**
 * One instance of something per running API (caches, rate limiters), shared by the REST
 * surface and tRPC without widening `ApiContext`: built on first use, dropped with the context.
 */
export function perContext<T>(build: (ctx: ApiContext) => T): (ctx: ApiContext) => T {
  const instances = new WeakMap<ApiContext, T>();
  return (ctx) => {
    let instance = instances.get(ctx);
    if (instance === undefined) {
      instance = build(ctx);
      instances.set(ctx, instance);
    }
    return instance;
  };
}
