export { createRealtime, type Realtime, type RealtimeOptions } from './realtime.js';
export { defaultRealtimeLimits, type RealtimeLimits } from './limits.js';
export type { RealtimeMetrics } from './metrics.js';
export type { AccessRecheck, Authenticate, AuthenticateInput, AuthenticateResult, ClientSendRefusal, OnClientSend, Principal } from './principal.js';
export { frameEntryOf, roomFrameOf, type RoomFrame } from './frames-of-events.js';
