#!/usr/bin/env node
// Fails when a project imports one it may not (DESIGN.md, Layout). The edges are the Nx project
// graph's (package.json dependencies) plus every `@parley/*` import found in the sources (Nx does
// not infer edges to workspace packages a package.json does not declare), checked against the tags.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Which tags a project with the key tag may depend on. */
const allowed = {
  'type:app': ['type:app-lib', 'type:projections', 'type:infra', 'type:domain', 'type:contracts'],
  'type:app-lib': ['type:projections', 'type:infra', 'type:domain', 'type:contracts'],
  'type:projections': ['type:domain', 'type:contracts'],
  'type:infra': ['type:contracts'],
  'type:domain': ['type:contracts'],
  'type:contracts': [],
};

const typeTag = (node) => node.data.tags.find((t) => t.startsWith('type:'));

const file = join(mkdtempSync(join(tmpdir(), 'parley-graph-')), 'graph.json');
execFileSync(join(root, 'node_modules/.bin/nx'), ['graph', `--file=${file}`], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
});
const { graph } = JSON.parse(readFileSync(file, 'utf8'));

/** Adds an edge for every `@parley/<pkg>` import in each project's TypeScript files. */
function importEdges() {
  const byPackage = new Map(Object.entries(graph.nodes).map(([name]) => [name, name]));
  const skip = new Set(['node_modules', '.tsbuild', 'dist', 'data']);
  const walk = (dir, out) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (skip.has(entry.name) || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full, out);
      else if (/\.(ts|mts|tsx)$/.test(entry.name)) out.push(full);
    }
    return out;
  };
  const importRe = /(?:from\s+|import\s*\(\s*|import\s+)['"](@parley\/[a-z-]+)(?:\/[^'"]*)?['"]/g;
  for (const [name, node] of Object.entries(graph.nodes)) {
    const deps = (graph.dependencies[name] ??= []);
    for (const f of walk(join(root, node.data.root), [])) {
      for (const m of readFileSync(f, 'utf8').matchAll(importRe)) {
        if (m[1] !== name && byPackage.has(m[1]) && !deps.some((d) => d.target === m[1])) deps.push({ source: name, target: m[1], type: `import in ${f.slice(root.length + 1)}` });
      }
    }
  }
}
importEdges();

const problems = [];
for (const [source, deps] of Object.entries(graph.dependencies)) {
  const node = graph.nodes[source];
  if (!node) continue;
  const from = typeTag(node);
  if (!from) {
    problems.push(`${source} has no type:* tag`);
    continue;
  }
  for (const dep of deps) {
    const target = graph.nodes[dep.target];
    if (!target) continue; // an npm package, not one of ours
    const to = typeTag(target);
    if (!allowed[from]?.includes(to)) problems.push(`${source} (${from}) must not depend on ${dep.target} (${to}) [${dep.type}]`);
  }
}

if (problems.length) {
  console.error('Module boundary violations:\n' + problems.map((p) => `  - ${p}`).join('\n'));
  process.exit(1);
}
console.log(`module boundaries: ${Object.keys(graph.nodes).length} projects, no violations`);
