import type { HttpReply, HttpRequest } from './types.js';

/** Turns a copied uWS request into a Fetch `Request`, for handlers written against the Fetch API (tRPC, OpenAPI). */
export function toFetchRequest(req: HttpRequest, origin: string): Request {
  const qs = req.query.toString();
  const url = `${origin}${req.path}${qs ? `?${qs}` : ''}`;
  const hasBody = req.body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers: req.headers,
    ...(hasBody ? { body: req.body } : {}),
  });
}

/** Reads a Fetch `Response` fully into a reply (tRPC answers are small; streaming is not needed here). */
export async function fromFetchResponse(response: Response): Promise<HttpReply> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
  });
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers, body };
}
