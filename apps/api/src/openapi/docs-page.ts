/** A self-contained HTML page (no external assets: it must work offline) that renders the OpenAPI document. */
export function docsPage(document: unknown): string {
  const json = JSON.stringify(document).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley API</title>
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
<body><header><h1>Parley API</h1><div id="desc"></div></header><main id="ops"></main>
<script>
const doc = ${json};
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const resolve = (s) => s && s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s;
document.getElementById('desc').textContent = doc.info.description + ' OpenAPI document: /openapi.json';
const byTag = {};
for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
  for (const tag of op.tags || ['Other']) (byTag[tag] ||= []).push({ path, method, op });
}
let html = '';
for (const [tag, ops] of Object.entries(byTag)) {
  html += '<h2>' + esc(tag) + '</h2>';
  for (const { path, method, op } of ops) {
    html += '<details><summary><span class="m ' + method + '">' + method.toUpperCase() + '</span><code>' + esc(path) + '</code> — ' + esc(op.summary) + '</summary>';
    if (op.description) html += '<p>' + esc(op.description) + '</p>';
    if (op.security) html += '<p>Auth: ' + op.security.map((s) => Object.keys(s)[0]).join(' or ') + '</p>';
    for (const p of op.parameters || []) html += '<div><code>' + esc(p.in) + ' ' + esc(p.name) + '</code>' + (p.required ? ' (required)' : '') + ' ' + esc(p.description) + '</div>';
    const body = op.requestBody && op.requestBody.content['application/json'];
    if (body) html += '<h4>Body</h4><pre>' + esc(JSON.stringify(resolve(body.schema), null, 2)) + '</pre>';
    html += '<h4>Responses</h4>';
    for (const [status, r] of Object.entries(op.responses)) {
      const c = r.content && Object.values(r.content)[0];
      html += '<div><b>' + status + '</b> ' + esc(r.description) + '</div>' + (c && status < 300 ? '<pre>' + esc(JSON.stringify(resolve(c.schema), null, 2)) + '</pre>' : '');
    }
    html += '</details>';
  }
}
document.getElementById('ops').innerHTML = html;
</script></body></html>`;
}
