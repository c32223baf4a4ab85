/**
 * The address a request came from: the first `X-Forwarded-For` entry when the server sits behind
 * a proxy it trusts (`PARLEY_TRUST_PROXY=1`), else the socket's remote address. Per-IP limits
 * key on it, on HTTP and WebSocket alike.
 */
export function clientIp(forwardedFor: string | undefined, remoteAddress: ArrayBuffer): string {
  if (forwardedFor && process.env.PARLEY_TRUST_PROXY === '1') return forwardedFor.split(',')[0]!.trim();
  return Buffer.from(remoteAddress).toString();
}
