/**
 * Test helper (e2e specs only): plain `fetch` calls against a started server, and accounts
 * registered over HTTP. Each registration comes from its own `X-Forwarded-For` address (the
 * server trusts it when `PARLEY_TRUST_PROXY=1`), so setting up users does not spend the
 * 25-per-15-minutes auth limit of the address a test is about.
 */

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface Account {
  userId: string;
  username: string;
  email: string;
  token: string;
  refreshToken: string;
}

export function trustForwardedFor(): void {
  process.env.PARLEY_TRUST_PROXY = '1';
}

let nextAddress = 1;
/** A fresh client address (`10.x.y.z`) for `X-Forwarded-For`. */
export const freshIp = (): string => {
  const n = nextAddress++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

export function client(baseUrl: string) {
  async function call(method: string, path: string, options: { body?: unknown; token?: string; username?: string; ip?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.username !== undefined) headers['x-username'] = options.username;
    if (options.ip !== undefined) headers['x-forwarded-for'] = options.ip;
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body };
  }

  async function register(username: string, password = 'correct horse battery'): Promise<Account> {
    const email = `${username.toLowerCase()}@example.com`;
    const res = await call('POST', '/api/auth/register', { body: { username, email, password }, ip: freshIp() });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    return { userId: res.body.data.user.id, username, email, token: res.body.data.token, refreshToken: res.body.data.refreshToken };
  }

  /** A request as an account: its token and its username in `X-Username`. */
  const as = (account: Account, method: string, path: string, body?: unknown) => call(method, path, { token: account.token, username: account.username, ...(body !== undefined ? { body } : {}) });

  /** Creates a room as `account` and returns its id; anything but 200 fails the test. */
  async function createRoom(account: Account, body: { type: 'public'; name: string } | { type: 'private'; members: string[] }): Promise<string> {
    const res = await as(account, 'POST', '/api/rooms', body);
    if (res.status !== 200) throw new Error(`create ${body.type} room: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.room.id as string;
  }

  return { call, register, as, createRoom };
}

/** The payload of a JWT, unverified (tests only). */
export const jwtPayload = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
