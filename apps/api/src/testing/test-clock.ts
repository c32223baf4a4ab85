/** A clock a test can move and stop, injected as the server's `now`. */
export function testClock() {
  const clock = { offset: 0, frozen: null as number | null };
  const now = () => clock.frozen ?? Date.now() + clock.offset;
  return {
    clock,
    now,
    freeze: (at = now()) => (clock.frozen = at),
    unfreeze: () => {
      if (clock.frozen !== null) clock.offset = clock.frozen - Date.now();
      clock.frozen = null;
    },
  };
}
