// Request limits and bad input: body size, 100-continue, malformed JSON,
// missing fields, content type, large messages, slow headers.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startStack, get, post, request, chatBody, assertError, withTimeout, delay,
} from './harness.mjs';

const MAX_BODY = 2 * 1024 * 1024;

// Opens a raw TCP connection; `read()` waits until `pred(received)` holds.
function rawConn(url) {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  const st = { data: '', closed: false, waiters: [] };
  const wake = () => { for (const w of st.waiters.splice(0)) w(); };
  sock.setEncoding('latin1');
  sock.on('data', (d) => { st.data += d; wake(); });
  sock.on('close', () => { st.closed = true; wake(); });
  sock.on('error', () => { /* surfaced as close */ });
  return {
    sock,
    st,
    connected: new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); }),
    async read(pred, ms, what) {
      const p = (async () => {
        while (!pred(st.data, st.closed)) {
          if (st.closed) throw new Error(`connection closed, got: ${JSON.stringify(st.data.slice(0, 500))}`);
          await new Promise((resolve) => st.waiters.push(resolve));
        }
        return st.data;
      })();
      return withTimeout(p, ms, what);
    },
  };
}

describe('limits', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ server: { max_body_bytes: MAX_BODY, header_timeout: 1 } });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a body over max_body_bytes → 413, and the server keeps serving', async () => {
    const big = chatBody('x'.repeat(MAX_BODY + 1000));
    let r;
    try {
      r = await post(s.u('/api/v1/chat/completions'), big, { timeoutMs: 8000 });
    } catch (err) {
      // The server may close after answering while we are still writing.
      assert.fail(`no 413 answer: ${err.message}`);
    }
    assertError(r, 413, 'payload_too_large');
    assert.equal((await s.mock.chatRequests()).length, 0);
    const h = await get(s.u('/health'));
    assert.equal(h.status, 200);
    const ok = await post(s.u('/api/v1/chat/completions'), chatBody('after'));
    assert.equal(ok.status, 200, ok.text);
  });

  it('a declared Content-Length over the limit → 413 without reading the body', async () => {
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${MAX_BODY * 4}\r\n\r\n{"model":`);
    const data = await c.read((d) => /\r\n\r\n/.test(d), 4000, '413 status line');
    assert.match(data, /^HTTP\/1\.1 413 /);
    c.sock.destroy();
  });

  it('Expect: 100-continue gets "100 Continue", then the answer', async () => {
    const body = JSON.stringify(chatBody('continue'));
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      + 'Expect: 100-continue\r\nConnection: close\r\n\r\n');
    const interim = await c.read((d) => d.includes('\r\n\r\n'), 3000, '100 Continue');
    assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n/);
    c.sock.write(body);
    const all = await c.read((d, closed) => closed || /HTTP\/1\.1 200[^]*You said: continue/.test(d), 5000, 'final answer');
    const final = all.slice(all.indexOf('\r\n\r\n') + 4);
    assert.match(final, /^HTTP\/1\.1 200 /);
    assert.match(final, /You said: continue/);
    c.sock.destroy();
  });

  it('malformed JSON → 400 invalid_json naming the problem', async () => {
    const bad = ['{"model":"mock/mock-model","messages":[', '{"model": mock}', '', 'null x', '{"a":1,}'];
    for (const raw of bad) {
      const r = await request(s.u('/api/v1/chat/completions'), {
        method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
      });
      const e = assertError(r, 400, 'invalid_json');
      if (raw) assert.match(e.message, /line|column|offset|position|expected|unexpected|incomplete|syntax/i, e.message);
    }
    assert.equal((await s.mock.chatRequests()).length, 0);
  });

  it('a JSON body that is not an object → 400', async () => {
    for (const raw of ['[]', '"text"', '42']) {
      const r = await request(s.u('/api/v1/chat/completions'), {
        method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
      });
      assertError(r, 400);
    }
  });

  it('missing model / messages → 400 missing_field with param', async () => {
    const e1 = assertError(await post(s.u('/api/v1/chat/completions'), { messages: [{ role: 'user', content: 'x' }] }), 400, 'missing_field');
    assert.equal(e1.param, 'model');
    const e2 = assertError(await post(s.u('/api/v1/chat/completions'), { model: 'mock/mock-model' }), 400, 'missing_field');
    assert.equal(e2.param, 'messages');
  });

  it('a non-JSON content type → 415; application/json with charset is fine', async () => {
    const raw = JSON.stringify(chatBody('ct'));
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await request(s.u('/api/v1/chat/completions'), { method: 'POST', body: raw, headers: { 'content-type': ct } });
      assertError(r, 415);
    }
    const none = await request(s.u('/api/v1/chat/completions'), { method: 'POST', body: raw });
    assert.ok(none.status === 415 || none.status === 200, `no content type: ${none.status}`);
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8']) {
      const r = await request(s.u('/api/v1/chat/completions'), { method: 'POST', body: raw, headers: { 'content-type': ct } });
      assert.equal(r.status, 200, `${ct}: ${r.text}`);
    }
  });

  it('a 1 MiB user message reaches the upstream intact and comes back intact', async () => {
    let text = '';
    for (let i = 0; text.length < 1024 * 1024; i++) text += `line ${i} é ✓ "quoted" \\ tab\t\n`;
    text = text.slice(0, 1024 * 1024);
    const r = await post(s.u('/api/v1/chat/completions'), chatBody(text), { timeoutMs: 10000 });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const [q] = await s.mock.chatRequests();
    assert.equal(JSON.parse(q.body).messages[0].content, text);
    assert.equal(r.json().choices[0].message.content, `You said: ${text}`);
  });

  it('a client that stalls mid-headers is dropped after header_timeout; others are served', async () => {
    const c = rawConn(s.url);
    await c.connected;
    const t0 = Date.now();
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nContent-Type: appl`);
    // Meanwhile the server answers others.
    await delay(200);
    const h = await get(s.u('/health'), { timeoutMs: 2000 });
    assert.equal(h.status, 200);
    await c.read((d, closed) => closed, 5000, 'stalled connection to be closed');
    const took = Date.now() - t0;
    assert.ok(took >= 700, `closed too early (${took} ms)`);
    assert.ok(took < 4000, `closed too late (${took} ms)`);
    if (c.st.data) assert.match(c.st.data, /^HTTP\/1\.1 (408|400) /);
    const h2 = await get(s.u('/health'), { timeoutMs: 2000 });
    assert.equal(h2.status, 200);
  });

  it('many stalled clients do not block the server', async () => {
    const conns = [];
    for (let i = 0; i < 50; i++) {
      const c = rawConn(s.url);
      conns.push(c);
      await c.connected;
      c.sock.write('GET /health HTTP/1.1\r\n');
    }
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('still here'), { timeoutMs: 3000 });
    assert.equal(r.status, 200, r.text);
    for (const c of conns) c.sock.destroy();
  });
});
