export interface JsonReply {
  status: number;
  headers: Headers;
  // Test code reads arbitrary JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One JSON request to a test server, with an optional Bearer token. */
export async function jsonCall(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<JsonReply> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
