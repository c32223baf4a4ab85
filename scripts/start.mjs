#!/usr/bin/env node
// `npm start`: the embedded profile (one process, SQLite under PARLEY_DATA_DIR, default ./data).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedNodeArgs, profilingFlags } from './cluster-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import('./ensure-installed.mjs');
const child = spawn(process.execPath, embeddedNodeArgs(root, profilingFlags()), { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
