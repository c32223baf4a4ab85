import type { SimpleRoomType } from '@parley/contracts';

/**
 * `POST /api/rooms`, close to its body. `actor` is the authenticated username (token user,
 * already matched against `X-Username`); `admins` is the configured admin list
 * (`PARLEY_ADMINS`, `ryo` by default); `roomId` and `at` are chosen by the edge.
 */
export interface CreateRoom {
  type: 'CreateRoom';
  roomId: string;
  /** Left `string` so the decider, not only zod, refuses anything but public/private. */
  roomType: SimpleRoomType | string;
  /** Required for public rooms; ignored for private ones (their name is generated). */
  name?: string;
  /** Required (≥ 1) for private rooms; ignored for public ones. */
  members?: readonly string[];
  actor: string;
  admins: readonly string[];
  at: number;
}

export interface JoinRoom {
  type: 'JoinRoom';
  actor: string;
  at: number;
}

export interface LeaveRoom {
  type: 'LeaveRoom';
  actor: string;
  at: number;
}

/** Public room: admins only. Private room: a member's delete is a leave. */
export interface DeleteRoom {
  type: 'DeleteRoom';
  actor: string;
  admins: readonly string[];
  at: number;
}

export type SimpleRoomCommand = CreateRoom | JoinRoom | LeaveRoom | DeleteRoom;
