export * as streamRooms from './stream-rooms.js';
export * as ingress from './ingress.js';
export * as communityAuth from './community-auth.js';
export * as simpleRooms from './simple-rooms.js';
export * as admin from './admin.js';
export * as history from './history.js';
