// App-level security through the binary: the Host check (DNS rebinding),
// state-changing admin routes (JSON only, no cross-site Origin), and
// credentials checked from the head, before the body is read.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startStack, get, post, request, chatBody, assertError, assertAnthropicError, messagesBody, withTimeout, rawConn,
} from './harness.mjs';

describe('Host check on a loopback listener (DNS rebinding)', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ server: { allowed_hosts: ['gw.example'] } }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const port = () => new URL(s.url).port;
  const bad = ['127.evil.example', '127.0.0.1.nip.io', '127.0.0.1.nip.io:8080', 'evil.example', 'localhost.evil.example',
    '127.1', 'gw.example.evil', '[127.0.0.1]'];
  for (const host of bad) {
    it(`Host: ${host} → 403 invalid_host`, async () => {
      assertError(await get(s.u('/health'), { headers: { host } }), 403, 'invalid_host');
      assertError(await post(s.u('/api/v1/chat/completions'), chatBody('x'), { headers: { host } }), 403, 'invalid_host');
      assert.equal((await s.mock.chatRequests()).length, 0);
    });
  }

  const good = () => ['localhost', `localhost:${port()}`, `127.0.0.1:${port()}`, '127.1.2.3', 'app.localhost',
    `APP.LocalHost:${port()}`, 'GW.Example', `gw.example:${port()}`, `[::1]:${port()}`, '[::1]'];
  it('localhost, *.localhost, loopback literals and server.allowed_hosts are served', async () => {
    for (const host of good()) {
      const r = await get(s.u('/health'), { headers: { host } });
      assert.equal(r.status, 200, `${host}: ${r.text}`);
    }
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('via allowed'), { headers: { host: 'gw.example' } });
    assert.equal(r.status, 200, r.text);
  });

  it('the refusal is decided from the head: a pending body is not waited for', async () => {
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write('POST /api/v1/chat/completions HTTP/1.1\r\nHost: 127.evil.example\r\n'
      + 'Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
    const data = await c.read((d) => /\r\n\r\n[\s\S]*invalid_host/.test(d), 5000, '403 answer');
    assert.match(data, /^HTTP\/1\.1 403 /);
    c.sock.destroy();
  });
});

describe('state-changing admin routes (auth off)', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack(); });
  after(async () => { await s?.stop(); });

  async function failures() {
    const r = await get(s.u('/api/admin/health'));
    assert.equal(r.status, 200, r.text);
    return r.json().health.find((e) => e.key === 'mock/fault-500')?.consecutive_failures ?? 0;
  }
  const RESET = '/api/admin/health/reset';

  it('a browser form post (text/plain, cross-site Origin) is refused and resets nothing', async () => {
    const r0 = await post(s.u('/api/v1/chat/completions'), chatBody('x', { model: 'mock/fault-500' }));
    assert.ok(r0.status >= 500, r0.text);
    assert.equal(await failures(), 1);
    const body = '{"key":"mock/fault-500"}';
    const form = await request(s.u(RESET), {
      method: 'POST', body, headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
    });
    assertError(form, 403, 'cross_site_request');
    const plain = await request(s.u(RESET), { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    assertError(plain, 415, 'unsupported_media_type');
    const cross = await post(s.u(RESET), { key: 'mock/fault-500' }, { headers: { origin: 'http://evil.example' } });
    assertError(cross, 403, 'cross_site_request');
    const nul = await post(s.u(RESET), {}, { headers: { origin: 'null' } });
    assertError(nul, 403, 'cross_site_request');
    const bodiless = await request(s.u(RESET), {
      method: 'POST', headers: { 'content-length': '0', origin: 'http://127.0.0.1.nip.io' },
    });
    assertError(bodiless, 403, 'cross_site_request');
    assert.equal(await failures(), 1, 'a refused reset changed the health state');

    // JSON from a non-browser client, or from the gateway's own origin, works.
    const own = await post(s.u(RESET), { key: 'nope/never' }, { headers: { origin: s.url } });
    assert.equal(own.status, 200, own.text);
    const ok = await post(s.u(RESET), { key: 'mock/fault-500' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json(), { reset: true });
    assert.equal(await failures(), 0);
    const empty = await request(s.u(RESET), { method: 'POST', headers: { 'content-length': '0' } });
    assert.equal(empty.status, 200, empty.text);
  });

  it('GET on a state-changing route → 405; chat routes still need JSON', async () => {
    assertError(await get(s.u(RESET)), 405, 'method_not_allowed');
    const r = await request(s.u('/api/v1/chat/completions'), {
      method: 'POST', body: JSON.stringify(chatBody('x')), headers: { 'content-type': 'text/plain' },
    });
    assertError(r, 415, 'unsupported_media_type');
  });
});

describe('auth on: credentials checked before the body', { timeout: 60000 }, () => {
  const TOKEN = 't1';
  let s;
  before(async () => {
    s = await startStack({ auth: { enabled: true, tokens: [TOKEN] }, server: { max_unauthenticated_body_bytes: 1024 } });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  for (const [what, auth] of [['no token', ''], ['a bad token', 'Authorization: Bearer nope\r\n']]) {
    it(`${what}: the 401 comes before any body byte is sent`, async () => {
      const c = rawConn(s.url);
      await c.connected;
      c.sock.write(`POST /api/v1/chat/completions HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\n${auth}`
        + `Content-Type: application/json\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
      const data = await c.read((d) => /\r\n\r\n[\s\S]*invalid_api_key/.test(d), 5000, '401 answer');
      assert.match(data, /^HTTP\/1\.1 401 /);
      c.sock.destroy();
      assert.equal((await s.mock.chatRequests()).length, 0);
    });

    // Needs the server's lingering close (issue 8 item 8) for the client to
    // read the answer while it is still sending.
    it(`${what}: an 8 MiB POST gets its 401, read by the client, and the upstream sees nothing`, async () => {
      const headers = auth ? { authorization: 'Bearer nope' } : {};
      const body = JSON.stringify(chatBody('x'.repeat(8 * 1024 * 1024)));
      const r = await request(s.u('/api/v1/chat/completions'), {
        method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' }, timeoutMs: 15000,
      });
      assertError(r, 401, 'invalid_api_key');
      assert.equal((await s.mock.chatRequests()).length, 0);
    });
  }

  it('an Anthropic route answers its 401 in Anthropic\'s format; x-api-key is a credential there', async () => {
    assertAnthropicError(await post(s.u('/v1/messages'), messagesBody('x')), 401);
    const r = await post(s.u('/v1/messages'), messagesBody('key'), { headers: { 'x-api-key': TOKEN } });
    assert.equal(r.status, 200, r.text);
  });

  it('a public route takes at most max_unauthenticated_body_bytes before the caller is known', async () => {
    const small = await request(s.u('/health'), { method: 'GET', body: 'x'.repeat(512) });
    assert.equal(small.status, 200, small.text);
    const c = rawConn(s.url);
    await c.connected;
    c.sock.write(`GET /health HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nContent-Length: 4096\r\n\r\n`);
    const data = await c.read((d) => /\r\n\r\n/.test(d), 5000, '413 answer');
    assert.match(data, /^HTTP\/1\.1 413 /);
    c.sock.destroy();
  });

  it('admin routes need the global token', async () => {
    for (const [method, path] of [['GET', '/api/admin/health'], ['POST', '/api/admin/health/reset'], ['POST', '/api/admin/reload']]) {
      const r = await request(s.u(path), { method, headers: { 'content-length': '0' } });
      assertError(r, 401, 'invalid_api_key');
    }
    const r = await get(s.u('/api/admin/health'), { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200, r.text);
  });
});
