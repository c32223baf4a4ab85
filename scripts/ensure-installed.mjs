#!/usr/bin/env node
// Installs the root dependencies when they are missing or older than package-lock.json, and
// rebuilds the native modules if they do not load (a fresh machine needs nothing by hand).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

const [major] = process.versions.node.split('.').map(Number);
if (major !== 20) {
  console.error(`Parley needs Node.js 20 (uWebSockets.js and better-sqlite3 12 are built for it); this is ${process.versions.node}.`);
  process.exit(1);
}

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.error('[parley] installing dependencies (npm install)…');
  run('npm install --no-audit --no-fund --loglevel=error');
}

const loads = (code) => spawnSync(process.execPath, ['-e', code], { cwd: root, stdio: 'ignore' }).status === 0;
if (!loads("new (require('better-sqlite3'))(':memory:').prepare('select 1').get()")) {
  console.error('[parley] building better-sqlite3 for this Node.js…');
  run('npm rebuild better-sqlite3');
}
if (!loads("require('@trufflesuite/uws-js-unofficial')")) {
  console.error('[parley] uWebSockets.js does not load on this platform (it ships binaries for Node 20 on Linux, macOS and Windows, x64/arm64).');
  process.exit(1);
}
