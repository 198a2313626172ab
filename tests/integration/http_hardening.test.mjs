// The HTTP edge against hostile or odd clients: request smuggling through
// Transfer-Encoding, credentials judged on the headers before any body byte
// is read, and pipelined bytes kept for the next request.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startStack, get, chatBody, delay, withTimeout, mockProvider, MOCK_MODELS, rawConn,
} from './harness.mjs';

const statusLines = (data) => data.match(/HTTP\/1\.1 \d{3} /g) ?? [];

function smuggledChat(host) {
  const body = JSON.stringify(chatBody('smuggled'));
  return `POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('request smuggling through Transfer-Encoding', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  // [header lines, expected status]. Beast alone would read the first four
  // as "no body" or as plain chunked (the body then parsed as a request).
  const cases = [
    [['Transfer-Encoding: xchunked'], 400],
    [['Transfer-Encoding: gzip, chunked'], 501],
    [['Transfer-Encoding: chunked, gzip'], 400],
    [['Transfer-Encoding: chunked, chunked'], 400],
    [['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], 400],
    [['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], 501],
    [['Transfer-Encoding: chunked', 'Content-Length: 5'], 400],
    [['Transfer-Encoding: xchunked', 'Content-Length: 5'], 400],
    [['Content-Length: 5', 'Transfer-Encoding: xchunked'], 400],
  ];
  for (const [lines, status] of cases) {
    it(`${lines.join(' + ')} → ${status}, one answer, connection closed, nothing upstream`, async () => {
      const host = new URL(s.url).host;
      const c = rawConn(s.url);
      await c.connected;
      // A chunked body holding a whole second request, as a smuggler sends it.
      c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\n`
        + `Content-Type: application/json\r\n${lines.join('\r\n')}\r\n\r\n`
        + `0\r\n\r\n${smuggledChat(host)}`);
      const all = await c.read((d, closed) => closed, 8000, 'the connection to close');
      assert.match(all, new RegExp(`^HTTP/1\\.1 ${status} `), all.slice(0, 300));
      assert.equal(statusLines(all).length, 1, `more than one answer: ${all}`);
      assert.match(all, /\r\nConnection: close\r\n/i);
      const e = JSON.parse(all.slice(all.indexOf('\r\n\r\n') + 4)).error;
      // Beast itself refuses a repeated chunked and Content-Length with chunked.
      const codes = status === 501 ? ['unsupported_transfer_coding'] : ['bad_transfer_encoding', 'bad_content_length'];
      assert.ok(codes.includes(e.code), e.code);
      assert.equal((await s.mock.chatRequests()).length, 0);
    });
  }

  it('a plain chunked request is still served', async () => {
    const host = new URL(s.url).host;
    const body = JSON.stringify(chatBody('chunked ok'));
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n`
      + `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    const all = await c.read((d, closed) => closed, 8000, 'the answer');
    assert.match(all, /^HTTP\/1\.1 200 /, all.slice(0, 300));
    assert.match(all, /You said: chunked ok/);
  });
});

describe('credentials are judged before the body is read', { timeout: 60000 }, () => {
  const TOKEN = 't1';
  let s;
  before(async () => { s = await startStack({ auth: { enabled: true, tokens: [TOKEN] } }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  // Needs the application's header check (auth on the headers): the 401
  // comes while the client still has most of its 8 MiB body to send.
  it('a bad token with an 8 MiB body: 401 while the client is still sending; nothing upstream', async () => {
    const host = new URL(s.url).host;
    const size = 8 * 1024 * 1024;
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer wrong\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n{"model":"mock/mock-model","messages":[`);
    c.sock.write(Buffer.alloc(64 * 1024, 0x20));  // 64 KiB of the 8 MiB; the rest is never sent
    const data = await c.read((d) => /\r\n\r\n[^]*\}\s*$/.test(d), 8000, 'the 401');
    assert.match(data, /^HTTP\/1\.1 401 /, data.slice(0, 300));
    assert.match(data, /\r\nConnection: close\r\n/i);
    c.sock.end();
    await c.read((d, closed) => closed, 8000, 'the connection to close');
    assert.equal((await s.mock.chatRequests()).length, 0);
    assert.equal((await get(s.u('/health'))).status, 200);
  });
});

describe('pipelined bytes', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (url) => ({ mock: mockProvider(url, { models: [...MOCK_MODELS, 'fault-slow-1500'] }) }),
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a request pipelined while the first is upstream is answered after it, in order', async () => {
    const host = new URL(s.url).host;
    const body = JSON.stringify(chatBody('first', { model: 'mock/fault-slow-1500' }));
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const deadline = Date.now() + 5000;
    while ((await s.mock.chatRequests()).length === 0) {
      assert.ok(Date.now() < deadline, 'the request never reached the mock');
      await delay(20);
    }
    // Sent in two pieces while the gateway waits on the upstream.
    c.sock.write('GET /health HTTP/1.1\r\n');
    await delay(100);
    c.sock.write(`Host: ${host}\r\nConnection: close\r\n\r\n`);
    const all = await c.read((d, closed) => closed, 10000, 'both answers');
    const lines = statusLines(all);
    assert.deepEqual(lines, ['HTTP/1.1 200 ', 'HTTP/1.1 200 '], all.slice(0, 1000));
    assert.ok(all.indexOf('You said: first') < all.indexOf('{"status":"ok"}'), all.slice(0, 1000));
    assert.equal((await s.mock.stats()).aborted, 0);
  });
});
