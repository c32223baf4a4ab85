// Builds the C frame counter (clients/native/frame-counter.c) with the machine's C compiler on
// first use, into loadtest/.build/ (ignored by git), and rebuilds it when the source is newer.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LOADTEST = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SOURCE = path.join(LOADTEST, 'clients/native/frame-counter.c');
const BINARY = path.join(LOADTEST, '.build/frame-counter');

let built; // { binary } or { binary: null, why }

/** The C counter's path, or null with the reason it could not be built (no `cc`, a compile error). */
export function nativeCounter() {
  if (built) return built;
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return (built = { binary: BINARY });
  mkdirSync(path.dirname(BINARY), { recursive: true });
  const compiler = process.env.CC || 'cc';
  // Built beside it, then renamed: another process may be running (or building) the binary now.
  const fresh = `${BINARY}.${process.pid}`;
  const result = spawnSync(compiler, ['-O2', '-Wall', '-o', fresh, SOURCE], { encoding: 'utf8' });
  if (result.status === 0) {
    renameSync(fresh, BINARY);
    return (built = { binary: BINARY });
  }
  const why = result.error ? `${compiler}: ${result.error.code ?? result.error.message}` : result.stderr.trim().split('\n').slice(0, 5).join('\n');
  return (built = { binary: null, why });
}
