// A measuring process beside a benchmark (disk stalls, CPU timeline): a Node script of its own, so
// its work is not charged to the benchmark's event loop. It prints JSON lines on stdout, the first
// `{"event":"ready"}`; SIGTERM asks it to finish and print what it measured.

import { spawn } from 'node:child_process';

/** Starts `script` with `args` and waits for its ready line; `name` is for errors. */
export async function startSideProcess(name, script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Not left running when the caller exits without stop() (a benchmark that failed half-way).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  await new Promise((resolve, reject) => {
    const check = () => (lines().some((l) => l.event === 'ready') ? resolve() : setTimeout(check, 10));
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
    check();
  });
  return {
    signal: (signal) => child.kill(signal),
    /** Asks it to finish; resolves with every JSON line it printed. */
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return lines();
    },
  };
}
