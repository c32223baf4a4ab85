import { describe, expect, it } from 'vitest';
import { parseConnectParams } from './connect-params.js';

describe('parseConnectParams', () => {
  it('reads room, token (query or bearer), guest, name and since', () => {
    expect(parseConnectParams('room=abc&token=t1&since=5', { authorization: '' })).toEqual({
      ok: true,
      params: { room: 'abc', token: 't1', guest: false, name: null, since: 5 },
    });
    expect(parseConnectParams('room=abc&guest=1&name=Zed', { authorization: 'Bearer tok' })).toEqual({
      ok: true,
      params: { room: 'abc', token: 'tok', guest: true, name: 'Zed', since: null },
    });
  });

  it('takes the SSE resume point from Last-Event-ID', () => {
    const p = parseConnectParams('room=abc', { authorization: '', lastEventId: '42' });
    expect(p.ok && p.params.since).toBe(42);
  });

  it('refuses a missing room and a since that is not an integer >= -1', () => {
    expect(parseConnectParams('token=x', { authorization: '' }).ok).toBe(false);
    for (const since of ['x', '1.5', '-2', '1e3']) expect(parseConnectParams(`room=a&since=${since}`, { authorization: '' }).ok).toBe(false);
    expect(parseConnectParams('room=a&since=-1', { authorization: '' })).toMatchObject({ ok: true, params: { since: -1 } });
  });
});
