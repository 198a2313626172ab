// Request limits and bad input: body size, 100-continue, malformed JSON,
// missing fields, content type, large messages, slow headers; early answers
// read by the client (lingering close); the caps on connections and on
// requests in flight.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import {
  startStack, get, post, request, chatBody, assertError, withTimeout, delay,
  startMock, writeConfigDir, spawnListening, gatewayEnv, AISBF_BIN, Stack, rawConn,
} from './harness.mjs';

const MAX_BODY = 2 * 1024 * 1024;

describe('limits', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ server: { max_body_bytes: MAX_BODY, header_timeout: 1 } });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a body over max_body_bytes → 413, and the server keeps serving', async () => {
    const big = chatBody('x'.repeat(MAX_BODY + 1000));
    // The gateway answers from the headers and reads the rest of the body
    // away (lingering close), so the client always reads the 413.
    const r = await post(s.u('/api/v1/chat/completions'), big, { timeoutMs: 15000 });
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
    // The wait is generous: under ASan with parallel jobs the timer can run
    // late; what matters is that the header timeout, not the client, ends it.
    await c.read((d, closed) => closed, 15000, 'stalled connection to be closed');
    const took = Date.now() - t0;
    assert.ok(took >= 700, `closed too early (${took} ms)`);
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
    // Generous: the point is an answer at all while 50 clients stall.
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('still here'), { timeoutMs: 10000 });
    assert.equal(r.status, 200, r.text);
    for (const c of conns) c.sock.destroy();
  });
});

// A body sent whole while the gateway has already answered from the headers.
// Resolves {status, text} or rejects with the socket error (EPIPE, ECONNRESET:
// the answer was lost, which lingering close prevents).
function sendWhole(url, bodyBuf, { chunked = false } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = bodyBuf.length;
    const req = http.request(url, { method: 'POST', agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      for (let i = 0; i < bodyBuf.length; i += 256 * 1024) req.write(bodyBuf.subarray(i, i + 256 * 1024));
      req.end();
    } else {
      req.end(bodyBuf);
    }
  }), 20000, `POST ${url}`);
}

describe('early answers are read by the client', { timeout: 120000 }, () => {
  const LIMIT = 1024 * 1024;
  let s;
  before(async () => { s = await startStack({ server: { max_body_bytes: LIMIT } }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const body8 = () => Buffer.from(JSON.stringify(chatBody('y'.repeat(8 * 1024 * 1024))));

  it('an 8 MiB body against a 1 MiB limit → 413, read by the client every time', async () => {
    const big = body8();
    for (let i = 0; i < 5; i++) {
      const r = await sendWhole(s.u('/api/v1/chat/completions'), big);
      assertError(r, 413, 'payload_too_large');
      assert.equal(r.headers.connection, 'close');
    }
    assert.equal((await s.mock.chatRequests()).length, 0);
    const ok = await post(s.u('/api/v1/chat/completions'), chatBody('after'));
    assert.equal(ok.status, 200, ok.text);
  });

  it('an 8 MiB chunked body (no Content-Length) → 413 once past the limit, read by the client', async () => {
    const r = await sendWhole(s.u('/api/v1/chat/completions'), body8(), { chunked: true });
    assertError(r, 413, 'payload_too_large');
    assert.equal((await s.mock.chatRequests()).length, 0);
  });
});

// Holds a request to the hanging upstream on a connection of its own.
function hangingRequest(url) {
  const req = http.request(`${url}/api/v1/chat/completions`, {
    method: 'POST', agent: false, headers: { 'content-type': 'application/json' },
  });
  req.on('error', () => { /* destroyed on purpose */ });
  const response = new Promise((resolve) => { req.on('response', resolve); });
  req.end(JSON.stringify(chatBody('hang', { model: 'mock/fault-hang' })));
  return { req, response };
}

async function waitUpstream(mock, n) {
  const deadline = Date.now() + 10000;
  while ((await mock.chatRequests()).length < n) {
    assert.ok(Date.now() < deadline, `fewer than ${n} requests reached the mock`);
    await delay(20);
  }
}

describe('server.max_connections', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ server: { max_connections: 2 } }); });
  after(async () => { await s?.stop(); });

  it('past the cap a connection waits (not refused, not served) until one closes', async () => {
    const held = [hangingRequest(s.url), hangingRequest(s.url)];
    await waitUpstream(s.mock, 2);
    const third = rawConn(s.url);
    await third.connected;  // the kernel's backlog takes it
    third.sock.write(`GET /health HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nConnection: close\r\n\r\n`);
    await delay(500);  // an upper bound on nothing: it must simply not be served meanwhile
    assert.equal(third.st.data, '', 'served past max_connections');
    assert.equal(third.st.closed, false, 'refused past max_connections');
    held[0].req.destroy();
    const answer = await third.read((d, closed) => closed, 10000, 'the waiting connection to be served');
    assert.match(answer, /^HTTP\/1\.1 200 /);
    await s.mock.waitStats((x) => x.aborted >= 1, 5000);
    held[1].req.destroy();
    await s.mock.waitStats((x) => x.aborted >= 2, 5000);
    assert.equal((await get(s.u('/health'))).status, 200);
  });
});

describe('server.max_inflight_requests', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ server: { max_inflight_requests: 2 } }); });
  after(async () => { await s?.stop(); });

  it('past the cap: 503 with Retry-After: 1 and an OpenAI error, connection closed; then served again', async () => {
    const held = [hangingRequest(s.url), hangingRequest(s.url)];
    await waitUpstream(s.mock, 2);
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('one too many'));
    assertError(r, 503, 'overloaded');
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.headers.connection, 'close');
    assert.equal((await s.mock.chatRequests()).length, 2);
    for (const h of held) h.req.destroy();
    await s.mock.waitStats((x) => x.aborted >= 2, 5000);
    // The slots come back when the handlers end, just after the aborts.
    const deadline = Date.now() + 10000;
    for (;;) {
      const ok = await post(s.u('/api/v1/chat/completions'), chatBody('room again'));
      if (ok.status === 200) break;
      assertError(ok, 503, 'overloaded');
      assert.ok(Date.now() < deadline, 'still 503 after the held requests ended');
      await delay(50);
    }
  });
});

// Out of file descriptors (EMFILE): accepts fail and are retried; the
// gateway neither crashes nor spins, and serves again once clients leave.
const PRLIMIT = '/usr/bin/prlimit';
describe('out of file descriptors', { timeout: 60000, skip: !fs.existsSync(PRLIMIT) && 'no prlimit' }, () => {
  let s;
  before(async () => {
    const mock = await startMock();
    const dir = writeConfigDir({ mockUrl: mock.url });
    try {
      const gw = await spawnListening('aisbf', PRLIMIT, ['--nofile=96:96', AISBF_BIN, '--config-dir', dir,
        '--host', '127.0.0.1', '--port', '0', '--workers', '2'], { env: gatewayEnv() });
      s = new Stack(mock, gw, dir);
    } catch (err) {
      await mock.stop();
      throw err;
    }
  });
  after(async () => { await s?.stop(); });

  it('more clients than descriptors: the gateway survives and serves once they leave', async () => {
    // Warm-up first: UBSan checks a type on the first use of each vtable by
    // probing memory through a pipe, which needs two descriptors; with none
    // left that probe fails and it reports a false "invalid vptr". After one
    // full request its cache holds every type the session path uses.
    assert.equal((await get(s.u('/health'))).status, 200);
    assert.equal((await post(s.u('/api/v1/chat/completions'), chatBody('warm'))).status, 200);
    const conns = [];
    for (let i = 0; i < 150; i++) {
      const c = rawConn(s.url);
      c.sock.on('error', () => {});
      conns.push(c);
    }
    await Promise.allSettled(conns.map((c) => c.connected));
    for (const c of conns) if (!c.st.closed) c.sock.write('GET /health HTTP/1.1\r\n');  // stalls mid-headers
    const ranOut = Date.now() + 10000;
    while (!/accept failed: Too many open files/.test(s.gw.stderr)) {
      assert.ok(s.gw.running, `the gateway died: ${s.gw.output()}`);
      assert.ok(Date.now() < ranOut, `the descriptors never ran out: ${s.gw.output()}`);
      await delay(50);
    }
    await delay(300);  // a few more failed accepts and retries
    assert.ok(s.gw.running, `the gateway died: ${s.gw.output()}`);
    for (const c of conns) c.sock.destroy();
    // Generous: the stalled connections are closed by the client, and the
    // accept loop retries every 50 ms; under ASan this can take a while.
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const r = await get(s.u('/health'), { timeoutMs: 3000 });
        assert.equal(r.status, 200);
        break;
      } catch (err) {
        assert.ok(Date.now() < deadline, `not serving again: ${err.message}`);
        await delay(100);
      }
    }
    assert.ok(s.gw.running);
  });
});
