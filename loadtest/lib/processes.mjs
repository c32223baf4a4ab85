// Child processes of the harness: each started in its own process group so that one signal
// stops it with everything it spawned, all of them tracked so that Ctrl-C leaves no orphan.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const running = new Set();
/** Synchronous last steps run by killAllTargets (e.g. start a detached cleanup of shared services). */
const lastSteps = new Set();

/** Kill every target still running (process groups), e.g. on Ctrl-C, then run the registered last steps. */
export function killAllTargets() {
  for (const child of running) killGroup(child, 'SIGKILL');
  for (const step of lastSteps) {
    lastSteps.delete(step);
    try {
      step();
    } catch {
      /* best effort: the process is exiting */
    }
  }
}

/** Register a synchronous step for killAllTargets; returns a function that unregisters it. */
export function atKill(step) {
  lastSteps.add(step);
  return () => lastSteps.delete(step);
}

export function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Spawn `command` as the leader of a new process group; keeps the last 20 KB of its output. */
export function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', () => running.delete(child));
  return { child, log: () => log };
}

/** SIGTERM the group, SIGKILL it after `graceMs`; resolves once the leader exited. */
export async function stopGroup(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // anything the leader left behind in its group
}

export async function waitFor(check, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

export async function httpOk(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
