/** `@alice, @bob`: every member, in member order (the creator first). */
export const privateRoomName = (members: readonly string[]): string => members.map((member) => `@${member}`).join(', ');
