/** A clock a test can move and stop, injected as the server's `now`. */
export function testClock() {
  const clock = { offset: 0, frozen: null as number | null };
  const now = () => clock.frozen ?? Date.now() + clock.offset;
  const unfreeze = () => {
    if (clock.frozen !== null) clock.offset = clock.frozen - Date.now();
    clock.frozen = null;
  };
  return {
    clock,
    now,
    freeze: (at = now()) => (clock.frozen = at),
    unfreeze,
    /** Time runs again, 11 s later: every 10-s rate-limit window of earlier tests has passed. */
    pastRateWindows: () => {
      unfreeze();
      clock.offset += 11_000;
    },
    /** Stops time on a whole second (so `Retry-After` and window edges come out exact); returns it. */
    freezeOnSecond: () => (clock.frozen = Math.floor(now() / 1000) * 1000),
  };
}
