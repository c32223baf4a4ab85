// When `npm run cluster` starts a node again after it exited by itself (a part of it stopped, the
// relay's bus gave up): at once, unless it is crash-looping, in which case the cluster stops.

/**
 * `exits`: when the node exited before (ms), oldest first. Returns the exits still inside the
 * window, this one included, and whether to start the node again: not when that makes more than
 * `maxExits` within `windowMs`.
 */
export function restartDecision(exits, now, { maxExits = 5, windowMs = 60_000 } = {}) {
  const recent = [...exits.filter((at) => now - at < windowMs), now];
  return { restart: recent.length <= maxExits, recent };
}
