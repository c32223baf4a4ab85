// A full garbage collection in another Node process, through its inspector (started with
// `--inspect=127.0.0.1:<port>`): the Chrome DevTools Protocol's HeapProfiler.collectGarbage.
// Used around memory readings of Parley's fan-out nodes: their VmRSS moves by ± 20 MiB with
// V8's own heap growth and shrinking, as much as 10,000 idle sockets add, so before/after
// readings are taken right after a full collection in both cases, and the live V8 heap is read
// as well (the JavaScript part of a connection's cost, exact after a full GC).

import WebSocket from 'ws';

/** Sends one Chrome DevTools Protocol command to the process whose inspector listens on `port`; resolves with its result. */
async function inspectorCall(port, method, timeoutMs = 30_000) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(5000) })).json();
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector on ${port}: no answer to ${method} in ${timeoutMs} ms`)), timeoutMs);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method })));
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString());
        if (message.id !== 1) return;
        clearTimeout(timer);
        if (message.error) reject(new Error(`inspector on ${port}: ${message.error.message}`));
        else resolve(message.result);
      });
    });
  } finally {
    ws.close();
  }
}

/** Runs one full GC in the process whose inspector listens on `port`; resolves when it is done. */
export async function collectGarbage(port) {
  await inspectorCall(port, 'HeapProfiler.collectGarbage');
}

/**
 * The V8 heap of that process: `used` = bytes of live objects (right after a full GC: no garbage),
 * `total` = bytes V8 holds for its heap (grows and shrinks with V8's own sizing decisions).
 */
export async function heapUsage(port) {
  const { usedSize, totalSize } = await inspectorCall(port, 'Runtime.getHeapUsage');
  return { used: usedSize, total: totalSize };
}
