import { expect } from 'vitest';
import { jsonCall } from './json-call.js';
import { createStreamRoom, type StreamRoom } from './stream-room.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface ModeratedRoom extends StreamRoom {
  server: TestServer;
  /** Identity tokens: of the room's owner, of its moderator, and of an admin (`discord:admin`, one of the test server's admins). */
  owner: string;
  moderator: string;
  admin: string;
}

/**
 * A test server with one stream room, created with `settings` by the identity `owner` and with the
 * identity `moderator` as its one moderator (both `provider:id`).
 */
export async function startModeratedRoom(who: { owner: string; moderator: string }, settings: { name: string } & Record<string, unknown>): Promise<ModeratedRoom> {
  const server = await startTestServer();
  try {
    const [owner, moderator, admin] = await Promise.all([server.identity(who.owner), server.identity(who.moderator), server.identity('discord:admin')]);
    const created = await createStreamRoom(server.url, owner, settings);
    expect((await jsonCall(server.url, 'PUT', `/rooms/${created.room}`, owner, { moderators: [who.moderator] })).status).toBe(200);
    return { server, ...created, owner, moderator, admin };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
