import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { RawHttpPool } from '../clients/raw-http.mjs';

/** A server that answers with the status and body the path names, echoing the request body's length. */
async function server(options = {}) {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const [, kind, status] = req.url.split('/');
      if (kind === 'chunked') {
        res.writeHead(Number(status));
        res.write('part one,');
        setTimeout(() => res.end(`part two ${body.length}`), 5);
        return;
      }
      // `/close/…`: the server closes the connection once the answer is out (as an idle timeout would).
      if (kind === 'close') res.setHeader('connection', 'close');
      res.writeHead(Number(status), { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(`len ${body.length}`) });
      res.end(`len ${body.length}`);
    });
  });
  if (options.keepAliveTimeout) srv.keepAliveTimeout = options.keepAliveTimeout;
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, port: srv.address().port };
}

test('answers every request with its status, sized and chunked bodies alike, over few connections', { timeout: 10_000 }, async () => {
  const { srv, port } = await server();
  const pool = new RawHttpPool({ host: '127.0.0.1', port, size: 2 });
  const statuses = [202, 200, 404, 429, 503, 201];
  const answers = await Promise.all(
    Array.from({ length: 60 }, (_, i) => pool.request('POST', `/${i % 3 === 0 ? 'chunked' : 'sized'}/${statuses[i % statuses.length]}`, { 'content-type': 'application/json' }, JSON.stringify({ i, text: 'é'.repeat(i) }))),
  );
  assert.deepEqual(answers.map((a) => a.status), Array.from({ length: 60 }, (_, i) => statuses[i % statuses.length]));
  pool.close();
  srv.close();
});

test('keeps working after the server closes connections, without giving one connection two requests', { timeout: 10_000 }, async () => {
  const { srv, port } = await server();
  const pool = new RawHttpPool({ host: '127.0.0.1', port, size: 3 });
  for (let round = 0; round < 3; round++) {
    // Each answer closes its connection; the next round must reconnect each lane exactly once.
    const answers = await Promise.all(Array.from({ length: 3 }, () => pool.request('POST', '/close/202', {}, 'x')));
    assert.deepEqual(answers.map((a) => a.status), [202, 202, 202]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(pool.idle.length, 3);
    assert.equal(new Set(pool.idle).size, 3);
  }
  const answers = await Promise.all(Array.from({ length: 20 }, () => pool.request('POST', '/sized/202', {}, 'x')));
  assert.deepEqual(answers.map((a) => a.status), Array(20).fill(202));
  pool.close();
  srv.close();
});

test('reports a refused connection as an error answer, not a rejection', { timeout: 10_000 }, async () => {
  const { srv, port } = await server();
  srv.close();
  await new Promise((r) => setTimeout(r, 20));
  const pool = new RawHttpPool({ host: '127.0.0.1', port, size: 1 });
  const answer = await pool.request('POST', '/sized/202', {}, '');
  assert.equal(answer.status, 0);
  assert.ok(answer.error);
  pool.close();
});

test('withBody: a sized answer carries its body; without it, answers carry the status only', { timeout: 10_000 }, async () => {
  const { srv, port } = await server();
  const withBody = new RawHttpPool({ host: '127.0.0.1', port, size: 2, withBody: true });
  const statusOnly = new RawHttpPool({ host: '127.0.0.1', port, size: 1 });
  try {
    const bodies = ['x', 'éé', '{"a":1}'];
    const answers = await Promise.all(bodies.map((b) => withBody.request('POST', '/sized/202', {}, b)));
    assert.deepEqual(answers, bodies.map((b) => ({ status: 202, body: `len ${b.length}` })));
    assert.deepEqual(await statusOnly.request('POST', '/sized/202', {}, 'x'), { status: 202 });
  } finally {
    withBody.close();
    statusOnly.close();
    srv.close();
  }
});
