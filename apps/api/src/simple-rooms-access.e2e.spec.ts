import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, trustForwardedFor, type Account } from './surfaces/simple-rooms/test-client.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/**
 * Who may do what with /api/rooms, over HTTP, as one table: caller (admin, member, non-member,
 * anonymous) × room type (public, private) × operation → status. "member" means joined (public
 * room) or listed member (private room); the admin is not a member of the private room. For
 * `list` the cell says whether the room is in the caller's list (the answer is always 200).
 * Private rooms answer 404 to everyone outside them, admins included, so their ids cannot be
 * probed; 403 is only for rooms the caller can see. Each row gets fresh rooms, and every
 * allowed write is checked for its effect.
 */

type Who = 'admin' | 'member' | 'non-member' | 'anonymous';
type RoomType = 'public' | 'private';
type Op = 'list' | 'get' | 'users' | 'create' | 'join' | 'leave' | 'delete';
type Cell = 200 | 401 | 403 | 404 | 'listed' | 'hidden';

//                         list        get   users  create join  leave delete
const matrix: Record<RoomType, Record<Who, Record<Op, Cell>>> = {
  public: {
    admin: /*        */ { list: 'listed', get: 200, users: 200, create: 200, join: 200, leave: 200, delete: 200 },
    member: /*       */ { list: 'listed', get: 200, users: 200, create: 403, join: 200, leave: 200, delete: 403 },
    'non-member': /* */ { list: 'listed', get: 200, users: 200, create: 403, join: 200, leave: 200, delete: 403 },
    anonymous: /*    */ { list: 'listed', get: 200, users: 200, create: 401, join: 401, leave: 401, delete: 401 },
  },
  private: {
    admin: /*        */ { list: 'hidden', get: 404, users: 404, create: 200, join: 404, leave: 404, delete: 404 },
    member: /*       */ { list: 'listed', get: 200, users: 200, create: 200, join: 200, leave: 200, delete: 200 },
    'non-member': /* */ { list: 'hidden', get: 404, users: 404, create: 200, join: 404, leave: 404, delete: 404 },
    anonymous: /*    */ { list: 'hidden', get: 404, users: 404, create: 401, join: 401, leave: 401, delete: 401 },
  },
};

const rows = (Object.keys(matrix) as RoomType[]).flatMap((type) =>
  (Object.keys(matrix[type]) as Who[]).flatMap((who) => (Object.keys(matrix[type][who]) as Op[]).map((op) => ({ type, who, op, cell: matrix[type][who][op] }))),
);

let server: TestServer;
let http: ReturnType<typeof client>;
let accounts: Record<'ryo' | 'mia' | 'nora' | 'bob' | 'carol', Account>;

beforeAll(async () => {
  trustForwardedFor();
  server = await startTestServer();
  http = client(server.url);
  const names = ['ryo', 'mia', 'nora', 'bob', 'carol'] as const;
  const registered = await Promise.all(names.map((name) => http.register(name)));
  accounts = Object.fromEntries(names.map((name, i) => [name, registered[i]!])) as typeof accounts;
});
afterAll(async () => {
  await server.stop();
});

const callerOf: Record<Who, () => Account | null> = {
  admin: () => accounts.ryo,
  member: () => accounts.mia,
  'non-member': () => accounts.nora,
  anonymous: () => null,
};

const send = (caller: Account | null, method: string, path: string, body?: unknown) =>
  caller ? http.as(caller, method, path, body) : http.call(method, path, body !== undefined ? { body } : {});

/** A fresh room of the type, with mia in it: joined (public) or listed (private, with bob and carol). */
async function freshRoom(type: RoomType): Promise<string> {
  if (type === 'public') {
    const created = await http.as(accounts.ryo, 'POST', '/api/rooms', { type: 'public', name: 'Matrix' });
    expect((await http.as(accounts.mia, 'POST', `/api/rooms/${created.body.room.id}/join`)).status).toBe(200);
    return created.body.room.id;
  }
  const created = await http.as(accounts.mia, 'POST', '/api/rooms', { type: 'private', members: ['bob', 'carol'] });
  return created.body.room.id;
}

const createBody = (type: RoomType) => (type === 'public' ? { type, name: 'New' } : { type, members: ['bob'] });

async function activeUsers(roomId: string): Promise<string[] | null> {
  const res = await http.as(accounts.bob, 'GET', `/api/rooms/${roomId}/users`);
  return res.status === 200 ? res.body.users.map((u: { username: string }) => u.username) : null;
}

describe('simple rooms access matrix over HTTP', () => {
  it('covers 4 callers × 2 room types × 7 operations', () => {
    expect(rows).toHaveLength(56);
  });

  it.each(rows)('$type room, $who, $op → $cell', async ({ type, who, op, cell }) => {
    const caller = callerOf[who]();
    const roomId = await freshRoom(type);
    const head = await server.parley.ctx.store.headPosition();
    switch (op) {
      case 'list': {
        const res = await send(caller, 'GET', '/api/rooms');
        expect(res.status).toBe(200);
        expect(res.body.rooms.some((r: { id: string }) => r.id === roomId)).toBe(cell === 'listed');
        break;
      }
      case 'get':
      case 'users': {
        const res = await send(caller, 'GET', op === 'get' ? `/api/rooms/${roomId}` : `/api/rooms/${roomId}/users`);
        expect(res.status).toBe(cell);
        if (cell === 200) expect(op === 'get' ? res.body.room.id : res.body.users).toBeDefined();
        break;
      }
      case 'create': {
        const res = await send(caller, 'POST', '/api/rooms', createBody(type));
        expect(res.status).toBe(cell);
        if (cell === 200) expect((await http.as(caller!, 'GET', `/api/rooms/${res.body.room.id}`)).body.room.type).toBe(type);
        break;
      }
      default: {
        const res = await send(caller, op === 'delete' ? 'DELETE' : 'POST', op === 'delete' ? `/api/rooms/${roomId}` : `/api/rooms/${roomId}/${op}`);
        expect(res.status).toBe(cell);
        if (cell !== 200) break;
        expect(res.body).toEqual({ success: true });
        const me = caller!.username;
        if (op === 'join') expect(await activeUsers(roomId)).toContain(me);
        if (op === 'leave' && type === 'public') expect(await activeUsers(roomId)).not.toContain(me);
        if (op === 'delete' && type === 'public') expect((await http.call('GET', `/api/rooms/${roomId}`)).status).toBe(404);
        // A private room's member who leaves (or deletes) no longer sees it.
        if (op !== 'join' && type === 'private') expect((await send(caller, 'GET', `/api/rooms/${roomId}`)).status).toBe(404);
      }
    }
    // Refused operations change nothing.
    if (typeof cell === 'number' && cell !== 200) expect(await server.parley.ctx.store.headPosition()).toBe(head);
  });
});
