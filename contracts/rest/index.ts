export * as streamRooms from './stream-rooms.js';
