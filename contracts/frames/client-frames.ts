import { z } from 'zod';

/** Frames a client may send on a room WebSocket. Anything else is answered with an `error` frame. */

export const sendFrame = z.object({
  t: z.literal('send'),
  text: z.string().min(1),
  /** Passed to other clients unchanged, like the ingress `meta`. */
  meta: z.unknown().optional(),
  /** Client-chosen correlation id, echoed on an `error` frame about this send. */
  nonce: z.string().max(64).optional(),
});

export const pingFrame = z.object({ t: z.literal('ping') });

export const clientFrame = z.discriminatedUnion('t', [sendFrame, pingFrame]);

export type SendFrame = z.infer<typeof sendFrame>;
export type PingFrame = z.infer<typeof pingFrame>;
export type ClientFrame = z.infer<typeof clientFrame>;
