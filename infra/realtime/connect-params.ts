export interface ConnectParams {
  room: string;
  token: string | null;
  guest: boolean;
  name: string | null;
  /** Last seq the client has (resume), or null for "from now". */
  since: number | null;
}

export type ParsedConnectParams = { ok: true; params: ConnectParams } | { ok: false; message: string };

const bearer = (authorization: string): string | null => {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return m ? m[1]! : null;
};

const seqOf = (text: string): number | null | 'invalid' => {
  if (text === '') return null;
  if (!/^-?\d{1,15}$/.test(text)) return 'invalid';
  const n = Number(text);
  return n >= -1 ? n : 'invalid';
};

/**
 * Reads a room connection request: `?room=&token=&guest=1&name=&since=` (WebSocket and SSE), with
 * the token also accepted as `Authorization: Bearer`, and for SSE the resume point from
 * `Last-Event-ID` (what EventSource sends on reconnect) or `?lastEventId=`.
 */
export function parseConnectParams(query: string, headers: { authorization: string; lastEventId?: string }): ParsedConnectParams {
  const q = new URLSearchParams(query);
  const room = q.get('room') ?? '';
  if (room === '' || room.length > 200) return { ok: false, message: 'room is required' };
  const since = seqOf(q.get('since') || headers.lastEventId || q.get('lastEventId') || '');
  if (since === 'invalid') return { ok: false, message: 'since must be an integer >= -1' };
  const guest = ['1', 'true', 'yes'].includes((q.get('guest') ?? '').toLowerCase());
  return {
    ok: true,
    params: { room, token: q.get('token') || bearer(headers.authorization), guest, name: q.get('name') || null, since },
  };
}
