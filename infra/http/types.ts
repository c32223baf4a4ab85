/** A request as a handler sees it: everything copied out of uWS before the first await. */
export interface HttpRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Route parameters by name (`:room` → params.room). */
  params: Record<string, string>;
  ip: string;
  /** The raw body (empty for GET). */
  body: Buffer;
  requestId: string;
  receivedAt: number;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  /** A string or bytes is sent as is; anything else as JSON. */
  body?: unknown;
}

export type HttpHandler = (req: HttpRequest) => Promise<HttpReply> | HttpReply;

export const json = (status: number, body: unknown, headers?: Record<string, string>): HttpReply => ({ status, body, ...(headers ? { headers } : {}) });

export const statusText: Record<number, string> = {
  200: '200 OK',
  201: '201 Created',
  202: '202 Accepted',
  204: '204 No Content',
  301: '301 Moved Permanently',
  302: '302 Found',
  304: '304 Not Modified',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  422: '422 Unprocessable Entity',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export const statusLine = (status: number): string => statusText[status] ?? `${status} Status`;
