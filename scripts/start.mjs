#!/usr/bin/env node
// `npm start`: the embedded profile (one process, SQLite under PARLEY_DATA_DIR, default ./data).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import('./ensure-installed.mjs');
// PARLEY_NODE_FLAGS adds Node flags that NODE_OPTIONS refuses, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
const extraFlags = (process.env.PARLEY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const child = spawn(process.execPath, [...extraFlags, '--import', 'tsx', join(root, 'apps/parley/src/main.ts')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
