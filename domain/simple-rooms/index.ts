/**
 * Simple rooms (`/api/rooms`, simple-rooms-rest.txt): public rooms that admins create and
 * delete and anyone joins, and private rooms whose members are fixed at creation.
 *
 * - `simpleRoomDecider`: the aggregate (stream `sroom-<roomId>`).
 * - `authorize` / `canSee`: the access rules, one function, tested as a matrix. Non-members get
 *   404 for private rooms (admins too), so a private room's existence never leaks.
 * - `toRoomView`, `toRoomUsersView`, `listRoomViews`: the reference's JSON shapes (the edge
 *   wraps them in `{ room }`, `{ rooms }`, `{ users }`); null means 404.
 *
 * Rules worth knowing:
 * - Usernames are compared and stored lowercased (`usernameKey`).
 * - Private room: the creator is added first, duplicates dropped, name generated
 *   (`@alice, @bob`); a list naming only the creator is allowed (the reference asks for one
 *   member). Members are active from creation; a member's join is a no-op; leave (or delete)
 *   gives up membership; when ≤ 1 member is left the room is removed (`SimpleRoomRemoved`).
 * - Public room: join/leave toggle presence (idempotent); delete is for admins only.
 * - Whether listed members have accounts is not checked here (the reference does not say);
 *   the edge may check the username reservations first.
 */
export * from './access.js';
export * from './commands.js';
export * from './decide.js';
export * from './private-room-name.js';
export * from './state.js';
export * from './view.js';
