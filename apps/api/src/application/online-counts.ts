/**
 * Viewer counts on a cluster api node. Viewers connect to the fan-out nodes, so an api node asks
 * each of them (`GET /internal/online`) every `intervalMs` and adds the answers up; a node that
 * stops answering stops counting after `staleMs`. One round of asks at a time: a round that takes
 * longer than the interval (a loaded machine) delays the next instead of piling up beside it.
 */
export interface OnlineCounts {
  online(roomId: string): number;
  stop(): void;
}

interface NodeAnswer {
  rooms: Record<string, number>;
  at: number;
}

export function pollOnlineCounts(
  fanoutUrls: readonly string[],
  options: { intervalMs?: number; staleMs?: number; timeoutMs?: number; now?: () => number; headers?: Record<string, string> } = {},
): OnlineCounts {
  const intervalMs = options.intervalMs ?? 1000;
  const staleMs = options.staleMs ?? 5000;
  // Not the interval: a short interval must not turn every slow answer into no answer at all.
  const timeoutMs = options.timeoutMs ?? Math.max(intervalMs, 2000);
  const now = options.now ?? Date.now;
  const answers = new Map<string, NodeAnswer>();
  let totals = new Map<string, number>();

  const recount = () => {
    const next = new Map<string, number>();
    const fresh = now() - staleMs;
    for (const answer of answers.values()) {
      if (answer.at < fresh) continue;
      for (const [room, n] of Object.entries(answer.rooms)) next.set(room, (next.get(room) ?? 0) + n);
    }
    totals = next;
  };

  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    await Promise.all(
      fanoutUrls.map(async (url) => {
        try {
          const res = await fetch(`${url}/internal/online`, { signal: AbortSignal.timeout(timeoutMs), ...(options.headers ? { headers: options.headers } : {}) });
          if (!res.ok) return;
          const body = (await res.json()) as { rooms?: Record<string, number> };
          if (body.rooms && typeof body.rooms === 'object') answers.set(url, { rooms: body.rooms, at: now() });
        } catch {
          // An unreachable node keeps its last answer until it is stale.
        }
      }),
    );
    polling = false;
    recount();
  };

  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return {
    online: (roomId) => totals.get(roomId) ?? 0,
    stop: () => clearInterval(timer),
  };
}
