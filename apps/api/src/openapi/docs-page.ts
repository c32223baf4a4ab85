/**
 * The human docs page: the OpenAPI document rendered to plain HTML on the server, so it reads
 * the same offline, without JavaScript, and in `curl`.
 */

interface SchemaRef {
  $ref?: string;
  [key: string]: unknown;
}
interface OperationDoc {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ in: string; name: string; required?: boolean; description?: string }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaRef }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: SchemaRef }> }>;
}
interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OperationDoc>>;
  components?: { schemas?: Record<string, unknown> };
}

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function resolve(doc: OpenApiDoc, schema: SchemaRef | undefined): unknown {
  if (!schema?.$ref) return schema;
  return doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? schema;
}

const pre = (value: unknown) => `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;

function operationHtml(doc: OpenApiDoc, path: string, method: string, op: OperationDoc): string {
  const id = `${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;
  let html = `<details id="${esc(id)}"><summary><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span><code>${esc(path)}</code> — ${esc(op.summary)}</summary>`;
  if (op.description) html += `<p>${esc(op.description)}</p>`;
  if (op.security?.length) html += `<p>Auth: ${op.security.map((s) => esc(Object.keys(s)[0])).join(' or ')}</p>`;
  for (const p of op.parameters ?? []) {
    html += `<div><code>${esc(p.in)} ${esc(p.name)}</code>${p.required ? ' (required)' : ''} ${esc(p.description)}</div>`;
  }
  const body = op.requestBody?.content?.['application/json'];
  if (body) html += `<h4>Body${op.requestBody?.required ? '' : ' (optional)'}</h4>${pre(resolve(doc, body.schema))}`;
  html += '<h4>Responses</h4>';
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    const content = r.content ? Object.values(r.content)[0] : undefined;
    html += `<div><b>${esc(status)}</b> ${esc(r.description)}</div>`;
    if (content && Number(status) < 300) html += pre(resolve(doc, content.schema));
  }
  return `${html}</details>`;
}

export function docsPage(document: unknown): string {
  const doc = document as OpenApiDoc;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const tag of op.tags ?? ['Other']) {
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag)!.push(operationHtml(doc, path, method, op));
      }
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0;font-size:24px}
main{max-width:1040px;margin:0 auto;padding:16px 32px}
h2{margin-top:32px;border-bottom:1px solid #d6dae1;padding-bottom:4px}
details{background:#fff;border:1px solid #d6dae1;border-radius:6px;margin:8px 0;padding:0 12px}
summary{cursor:pointer;padding:10px 0;font-weight:600}
.m{display:inline-block;min-width:64px;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px;margin-right:8px}
.get{background:#2f7d32}.post{background:#1565c0}.put{background:#ef6c00}.delete{background:#c62828}.patch{background:#6a1b9a}
pre{background:#f0f2f5;padding:8px;border-radius:4px;overflow:auto;font-size:13px}
code{font-family:ui-monospace,monospace}
</style></head>
<body><header><h1>${esc(doc.info.title)} API <small>${esc(doc.info.version)}</small></h1><div>${esc(doc.info.description)} OpenAPI document: <a href="/openapi.json">/openapi.json</a></div></header>
<main>${sections}</main></body></html>`;
}
