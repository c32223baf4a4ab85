/** `GET /api/rooms`: the simple-room directory (public rooms, and private rooms by member). */
export { simpleRoomsProjection, simpleRoomsTables } from './projection.js';
export { visibleSimpleRooms } from './queries.js';
