import type { SendFrame } from '@parley/contracts/frames';

/** Who is on the other end of a room connection, as the injected `authenticate` policy decided. */
export interface Principal {
  userId: string;
  displayName: string;
  roles: string[];
  isModerator: boolean;
}

export interface AuthenticateInput {
  room: string;
  /** Room token from `?token=` or `Authorization: Bearer`, or null. */
  token: string | null;
  /** The client asked to join as a guest (`?guest=1`). */
  guest: boolean;
  /** Optional display name a guest asked for (`?name=`). */
  name: string | null;
  ip: string;
}

export type AuthenticateResult =
  | { ok: true; principal: Principal; /** The room's `max_viewers`, or null for no limit. */ maxViewers: number | null }
  | { ok: false; status: number; message: string };

export type Authenticate = (input: AuthenticateInput) => Promise<AuthenticateResult>;

/** A refused client send: answered to the client as an `error` frame. */
export interface ClientSendRefusal {
  ok: false;
  code: string;
  message: string;
}

/**
 * The command path for `send` frames. Resolving (with anything but a refusal) means accepted: the
 * message reaches the room as a normal `msg` frame. Rejecting, or resolving a refusal, sends the
 * client an `error` frame (an error's `code` property is used when it has one).
 */
export type OnClientSend = (principal: Principal, room: string, frame: SendFrame, from: { ip: string }) => Promise<void | { ok: true } | ClientSendRefusal>;

/**
 * Access that can be taken away while a viewer is connected, closed with 4403:
 * * in one room (leaving a private room, a removed room): for each bus event, `roomOf` names the
 *   realtime room whose viewers it may concern; each of them is asked `stillAdmitted`;
 * * in every room (an account's session ended): `sessionEndedBy` names the session an event
 *   ends, and every viewer whose `sessionOf` is that session is closed;
 * * of one user in one room (a ban): `revokedBy` names the room and the user an event shuts out,
 *   and that user's viewers of that room are closed.
 */
export interface AccessRecheck {
  roomOf(event: { stream: string; type: string }): string | undefined;
  stillAdmitted(roomId: string, principal: Principal): Promise<boolean>;
  revokedBy?(event: { stream: string; type: string; data: unknown }): { roomId: string; userId: string } | undefined;
  sessionEndedBy?(event: { stream: string; type: string; data: unknown }): string | undefined;
  sessionOf?(principal: Principal): string | undefined;
}
