import { z } from 'zod';

/**
 * Room history (`GET /rooms/{room}/messages`, Parley extension): a page of the room's timeline,
 * read from the timeline projection. Entries mirror the WebSocket `msg` frame, so a client that
 * gets a `resync` frame can fill `from..to` with the same shapes it already handles.
 */

export const historyMaxLimit = 200;
export const historyDefaultLimit = 50;

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const historyQuery = z
  .object({
    before: seq.optional().meta({ description: 'Only messages with a smaller seq (page backwards from here).' }),
    after: seq.optional().meta({ description: 'Only messages with a larger seq (page forwards from here).' }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(historyMaxLimit)
      .default(historyDefaultLimit)
      .meta({ description: `Messages per page, 1..${historyMaxLimit} (default ${historyDefaultLimit}).` }),
  })
  .meta({ id: 'HistoryQuery' });

export const historyMessage = z
  .object({
    seq: z.int().min(0).meta({ description: 'The room sequence number of the post (same as the `msg` frame).' }),
    id: z.string(),
    kind: z.string().meta({ description: 'Ingress `type` ("chat", "event", …) or "chat" for socket posts.' }),
    ts: z.int().meta({ description: 'ms epoch of the post.' }),
    sender: z.string().nullable().meta({ description: '`source:userId` of the sender, or null for an anonymous webhook.' }),
    payload: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The message payload; null once the message was removed.' }),
    meta: z.unknown().optional().meta({ description: 'The ingress `meta`, unchanged; absent when none was sent or the message was removed.' }),
    removed: z.boolean(),
    stealth: z.boolean().meta({ description: 'Seen only by moderators and its sender (the sender is stealth-banned).' }),
  })
  .meta({ id: 'HistoryMessage' });

export const historyResponse = z
  .object({
    room: z.string(),
    messages: z.array(historyMessage).meta({ description: 'Oldest first.' }),
    has_more: z.boolean().meta({ description: 'More messages exist beyond this page in the direction it was read (older without `after`, newer with it).' }),
  })
  .meta({
    id: 'HistoryResponse',
    example: {
      room: 'abc123xyz',
      messages: [{ seq: 42, id: '9b1e…', kind: 'chat', ts: 1718000000000, sender: 'twitch:bot-123', payload: { text: 'hi', displayName: 'StreamBot' }, removed: false, stealth: false }],
      has_more: false,
    },
  });

export type HistoryQuery = z.infer<typeof historyQuery>;
export type HistoryMessage = z.infer<typeof historyMessage>;
export type HistoryResponse = z.infer<typeof historyResponse>;
