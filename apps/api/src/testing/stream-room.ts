import { jsonCall } from './json-call.js';

/** A stream room as its creator gets it: its id and its API key. */
export interface StreamRoom {
  room: string;
  apiKey: string;
}

/** Creates a stream room with `settings` (a `name` at least) as the identity `ownerToken`. */
export async function createStreamRoom(baseUrl: string, ownerToken: string, settings: { name: string } & Record<string, unknown>): Promise<StreamRoom> {
  const created = await jsonCall(baseUrl, 'POST', '/rooms', ownerToken, settings);
  if (created.status !== 200) throw new Error(`create room ${settings.name}: ${created.status} ${JSON.stringify(created.body)}`);
  return { room: created.body.room, apiKey: created.body.api_key };
}

/** A room token for `userId`, minted with the room's API key; the display name is the user id unless given. */
export async function mintRoomToken(baseUrl: string, { room, apiKey }: StreamRoom, userId: string, options: { displayName?: string; roles?: string[] } = {}): Promise<string> {
  const body = { user_id: userId, display_name: options.displayName ?? userId, ...(options.roles ? { roles: options.roles } : {}) };
  const minted = await jsonCall(baseUrl, 'POST', `/rooms/${room}/tokens`, apiKey, body);
  if (minted.status !== 200) throw new Error(`mint a token for ${userId}: ${minted.status} ${JSON.stringify(minted.body)}`);
  return minted.body.token as string;
}
