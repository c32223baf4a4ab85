/**
 * Account field rules, shared by the edge (zod schemas can call these) and the deciders.
 * The password itself never reaches a decider; `isAcceptablePassword` is for the edge, the
 * decider only sees the hash and checks that it looks like one.
 */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const EMAIL_MAX = 254;

/**
 * Letters, digits, `_`, `.` and `-`: a username travels in the `X-Username` header, in
 * generated room names (`@alice`) and in stream names, so it stays plain ASCII.
 */
const USERNAME_SHAPE = /^[A-Za-z0-9_.-]+$/;

export const isValidUsername = (username: string): boolean =>
  username.length >= USERNAME_MIN && username.length <= USERNAME_MAX && USERNAME_SHAPE.test(username);

/** Length in characters (code points), so an emoji counts once. */
export function isAcceptablePassword(password: string): boolean {
  const length = [...password].length;
  return length >= PASSWORD_MIN && length <= PASSWORD_MAX;
}

const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A pragmatic address shape (what people type, not all of RFC 5322): one `@`, a dot-atom
 * local part of at most 64 characters, a domain of at least two labels with an alphabetic
 * top-level label.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > EMAIL_MAX) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) return false;
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return false;
  if (labels.length < 2 || !labels.every((label) => EMAIL_DOMAIN_LABEL.test(label))) return false;
  return /^[A-Za-z]{2,}$/.test(labels[labels.length - 1]!);
}

/** A PHC string (`$argon2id$v=19$...`): what `infra/passwords` produces. */
export const looksLikePasswordHash = (hash: string): boolean => /^\$[a-z0-9-]+\$\S+$/.test(hash);
