import type { RoomState } from './state.js';

/** The webhook secrets that verify a signature at `now`: the current one, and the previous one during its grace period. */
export function validWebhookSecrets(state: RoomState, now: number): string[] {
  const secrets: string[] = [];
  if (state.webhookSecret) secrets.push(state.webhookSecret);
  if (state.previousWebhookSecret && state.previousWebhookSecretValidUntil !== null && state.previousWebhookSecretValidUntil > now) {
    secrets.push(state.previousWebhookSecret);
  }
  return secrets;
}
