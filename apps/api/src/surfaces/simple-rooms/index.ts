/** The simple-rooms REST surface (`/api/rooms`, simple-rooms-rest.txt). */
export { simpleRoomsOperations, SIMPLE_ROOMS_RATE_LIMIT } from './operations.js';
export { simpleRoomsError } from './errors.js';
