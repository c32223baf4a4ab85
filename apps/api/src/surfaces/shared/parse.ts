import { parseJsonBody } from '@parley/infra/http';
import type { ZodType, z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Shape check at the edge: invalid JSON and schema failures become one readable message. */
export function parseBody<S extends ZodType>(schema: S, body: Buffer): Parsed<z.output<S>> {
  const json = parseJsonBody(body);
  if (!json.ok) return { ok: false, message: 'Invalid JSON' };
  return validate(schema, json.value);
}

export function validate<S extends ZodType>(schema: S, value: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const message = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return { ok: false, message };
}
