import type { UserProfile } from './state.js';

/** The `user` object of the register response (community-chat reference, Authentication). */
export interface UserView {
  id: string;
  username: string;
  email: string;
  avatar: null;
  createdAt: string;
}

export const toUserView = (profile: UserProfile): UserView => ({
  id: profile.userId,
  username: profile.username,
  email: profile.email,
  avatar: profile.avatar,
  createdAt: new Date(profile.createdAt).toISOString(),
});

/** The login response's `user` carries no `createdAt`. */
export const toLoginUserView = (profile: UserProfile): Omit<UserView, 'createdAt'> => ({
  id: profile.userId,
  username: profile.username,
  email: profile.email,
  avatar: profile.avatar,
});
