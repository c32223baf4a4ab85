import http from 'node:http';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpRequestOptions {
  /** Default `POST`. */
  method?: string;
  /** Added to (or replacing) `content-type: application/json` and the body's `content-length`. */
  headers?: Record<string, string>;
  /** Binds the client to this address: another 127.x address is another client IP to the server. */
  localAddress?: string;
  /** Default: none, a connection of its own for this request. */
  agent?: http.Agent;
  /** Gives up (rejects) when the socket is idle this long. */
  timeoutMs?: number;
}

/**
 * One request with `node:http` rather than `fetch`, for what `fetch` cannot do: bind the client
 * address, send a body as exact bytes, read the answer's headers as the server wrote them.
 */
export function httpRequest(url: string, body: string | Buffer, options: HttpRequestOptions = {}): Promise<HttpReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'POST',
        agent: options.agent ?? false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
