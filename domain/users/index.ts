/**
 * User accounts: a user aggregate plus uniqueness reservations.
 *
 * ## Streams
 * - `user-<userId>` (`userDecider`): registration, logins, refresh-token families.
 * - `username-<key>` and `email-<key>` (`identifierDecider`), key = trimmed, lowercased value.
 *
 * ## Why reservations
 * "Username and email are unique across users" is a rule over many aggregates, and one user's
 * stream cannot decide it. Each name therefore gets a stream of its own. The first append to
 * it is made with the `no_stream` expected revision (later ones with the revision read), so when
 * two registrations race for `alice` the event store lets exactly one append through; the
 * loser gets `WrongExpectedRevisionError`, which the surface answers as 409 ALREADY_EXISTS
 * (same as the decider's `already_exists`). The reservation doubles as the index the login
 * needs: `email-<key>` names the user id to load.
 *
 * ## Registration, step by step (the surface's job; every step pure here)
 * 1. Validate the body (`isValidUsername`, `isValidEmail`, `isAcceptablePassword`), hash the
 *    password (`infra/passwords`), pick a `userId` (uuid) and, if a token is answered, a session.
 * 2. `ReserveIdentifier` username → append to `username-<key>`.
 * 3. `ReserveIdentifier` email → append to `email-<key>`; on 409, `ReleaseIdentifier` the
 *    username (compensation) and answer 409.
 * 4. `RegisterUser` → append to `user-<userId>` with `no_stream`.
 * A crash between 2 and 4 leaves a reservation whose holder has no account. It is not lost for
 * good: a later `ReserveIdentifier` with `holderHasNoAccount: true` (the edge checked that the
 * holder's user stream is empty) takes it over once it is `ABANDONED_RESERVATION_MS` old.
 *
 * ## Login and sessions
 * Login reads `email-<key>` → user id → `user-<id>`, verifies the password in infra (against a
 * dummy hash when the email is unknown, so both paths cost the same), then sends `LogIn` (or
 * `RecordLoginFailure`). Each login starts a refresh-token family (= a session). The access
 * JWT should carry the family id (`sid`) so logout can revoke it and `isSessionActive` can
 * refuse access tokens of a revoked session. `POST /auth/refresh` → `decideRefresh`: the
 * presented token must be the family's current one; a token that was already rotated away
 * revokes the whole family (outcome `reuse_detected`, events to append, then 401).
 * Only SHA-256 hashes of refresh tokens reach the domain (`infra/refresh-tokens`).
 */
export * from './commands.js';
export * from './decide.js';
export * from './reservation.js';
export * from './rules.js';
export * from './state.js';
export * from './view.js';
