import { client, trustForwardedFor, type Account } from '../surfaces/simple-rooms/test-client.js';
import { chatSocketUrl, openChatSocket, type ChatSocket } from './chat-test-client.js';
import { startTestServer, type TestServer } from './test-server.js';

type Accounts<Names extends readonly string[]> = { [K in keyof Names]: Account };

/**
 * A test server for the chat of simple rooms (simple room `<id>` chats as stream room `sr-<id>`),
 * with the simple-rooms HTTP client, accounts registered through it, and chat sockets of its own.
 */
export interface SimpleRoomChat {
  server: TestServer;
  http: ReturnType<typeof client>;
  /** Registers the accounts, in the order named. */
  register<const Names extends readonly string[]>(...usernames: Names): Promise<Accounts<Names>>;
  /** The chat socket URL of simple room `id`, with an account token or without one. */
  wsUrl(id: string, token?: string): string;
  /** Opens a chat socket of simple room `id` as `account`; `stop` closes it. */
  join(id: string, account: Account): Promise<ChatSocket>;
  /** The event store's head: the same before and after a step means the step appended nothing. */
  head(): Promise<number>;
  /** Closes every socket `join` opened, then stops the server. */
  stop(): Promise<void>;
}

export async function startSimpleRoomChat(): Promise<SimpleRoomChat> {
  trustForwardedFor();
  const server = await startTestServer();
  const http = client(server.url);
  const sockets: ChatSocket[] = [];
  const wsUrl = (id: string, token?: string) => chatSocketUrl(server.url, { room: `sr-${id}`, ...(token ? { token } : {}) });
  const register = async <const Names extends readonly string[]>(...usernames: Names) =>
    (await Promise.all(usernames.map((name) => http.register(name)))) as Accounts<Names>;
  return {
    server,
    http,
    register,
    wsUrl,
    join: async (id, account) => {
      const socket = await openChatSocket(wsUrl(id, account.token));
      sockets.push(socket);
      return socket;
    },
    head: () => server.parley.ctx.store.headPosition(),
    stop: async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await server.stop();
    },
  };
}
