/** Anything whose cork can be borrowed for a moment: here, an open WebSocket of this node. */
export interface CorkLender {
  cork(fn: () => void): void;
}

/**
 * Runs a WebSocket upgrade that comes after an await outside the upgrading response's own cork.
 *
 * uWS.js 20.30 (the newest build on npm) can close a socket upgraded inside `res.cork` right after
 * `open`, with 1006 and no reason: when the callback returns, `cork` reads the socket, which the
 * upgrade reallocated in place as a WebSocket, as an HTTP response, and may find a "connection:
 * close" flag in what is now WebSocket data (uNetworking/uWebSockets.js#1108; fixed upstream by
 * uNetworking/uWebSockets#1929, in no npm build). It dropped about 2 % of the connections of the
 * cluster e2e pass, a test at a time.
 *
 * Upgrading uncorked is the maintainers' workaround, but uWS.js then prints a warning per upgrade.
 * Inside another socket's cork the loop's cork is taken, so `res.cork` runs its callback without
 * corking the response: the upgrade is uncorked and uWS.js does not warn. Only a connection with
 * no open socket on the node to borrow from upgrades with the warning.
 */
export function upgradeOutsideOwnCork(res: { cork(fn: () => void): unknown }, upgrade: () => void, lender: CorkLender | undefined): void {
  if (lender) lender.cork(() => res.cork(upgrade));
  else upgrade();
}
