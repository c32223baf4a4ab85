/** uWS topic names. Components are URI-encoded so no id can forge another room's topic. */
const part = encodeURIComponent;

export const roomTopic = (room: string) => `room/${part(room)}`;
/** Frames only moderators see (stealth messages and stealth actions). */
export const moderatorTopic = (room: string) => `room/${part(room)}/mod`;
/** A stealthed user's own messages reach their own (non-moderator) connections through this. */
export const userTopic = (room: string, userId: string) => `user/${part(room)}/${part(userId)}`;
