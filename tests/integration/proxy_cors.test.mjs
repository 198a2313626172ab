// Behind a reverse proxy and across origins (issue 16): X-Forwarded-Proto
// from a peer in server.trusted_proxies makes the session cookie Secure
// (from any other peer it is ignored); CORS on the model API only for the
// origins server.cors_origins lists, never with credentials, and not on
// the admin routes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, request, post, chatBody, bearer, initialAdminPassword,
} from './harness.mjs';

const TOKEN = 'proxy-cors-global-token-1234';
const auth = { enabled: true, tokens: [TOKEN] };
const APP = 'https://app.example';

async function loginCookie(s, headers) {
  const r = await post(s.u('/api/auth/login'), { username: 'admin', password: initialAdminPassword(s.configDir) },
    { headers });
  assert.equal(r.status, 200, r.text);
  return [r.headers['set-cookie'] ?? []].flat().join('\n');
}

for (const trusted of [true, false]) {
  describe(`X-Forwarded-Proto from a peer ${trusted ? 'in' : 'not in'} trusted_proxies`, { timeout: 60000 }, () => {
    let s;
    before(async () => {
      s = await startStack({ auth, server: { trusted_proxies: trusted ? ['127.0.0.1', '::1'] : ['10.0.0.0/8'] } });
    });
    after(async () => { await s?.stop(); });

    it(trusted ? 'https from the proxy: the session cookie is Secure' : 'is ignored: no Secure cookie over http', async () => {
      const proxied = await loginCookie(s, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
      assert.match(proxied, /aisbf_session=[^;]+;/);
      assert.equal(/;\s*Secure/i.test(proxied), trusted, proxied);
      // Plain http (or the proxy saying http): never Secure.
      const plain = await loginCookie(s, { 'x-forwarded-proto': 'http' });
      assert.ok(!/;\s*Secure/i.test(plain), plain);
      // A client's own "https" to the left of what the proxy wrote is not believed.
      const spoofed = await loginCookie(s, { 'x-forwarded-proto': 'https, http' });
      assert.ok(!/;\s*Secure/i.test(spoofed), spoofed);
    });

    // A header on several lines (a proxy that appends its own line after
    // the client's): every line counts, in order; the nearest proxy's last.
    it(trusted ? 'reads every line of a repeated X-Forwarded-Proto / -Prefix' : 'ignores repeated lines too', async () => {
      const appended = await loginCookie(s, { 'x-forwarded-proto': ['http', 'https'] });
      assert.equal(/;\s*Secure/i.test(appended), trusted, appended);
      const clientsOwn = await loginCookie(s, { 'x-forwarded-proto': ['https', 'http'] });
      assert.ok(!/;\s*Secure/i.test(clientsOwn), clientsOwn);
      // The dashboard's redirect carries the prefix (built with or without web/dist).
      const bare = await request(s.u('/dashboard'), { headers: { 'x-forwarded-prefix': ['/evil', '/gw'] } });
      assert.equal(bare.status, 301, bare.text);
      assert.equal(bare.headers.location, trusted ? '/gw/dashboard/' : '/dashboard/');
    });
  });
}

const preflight = (s, p, origin, method = 'POST', extra = {}) => request(s.u(p), {
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, x-stainless-os', ...extra },
});

describe('CORS with server.cors_origins', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth, server: { cors_origins: [APP] } }); });
  after(async () => { await s?.stop(); });

  it('answers a listed origin\'s preflight on the model API routes', async () => {
    for (const [p, method] of [['/v1/chat/completions', 'POST'], ['/api/v1/chat/completions', 'POST'],
      ['/api/v1/models', 'GET'], ['/v1/messages', 'POST'], ['/api/mock/chat/completions', 'POST'],
      ['/v1/responses/resp_1', 'DELETE']]) {
      const r = await preflight(s, p, APP, method);
      assert.equal(r.status, 204, `${p}: ${r.status} ${r.text}`);
      assert.equal(r.headers['access-control-allow-origin'], APP);
      assert.equal(r.headers['access-control-allow-methods'], method);
      assert.equal(r.headers['access-control-allow-headers'], 'authorization, content-type, x-stainless-os');
      assert.match(r.headers.vary ?? '', /Origin/);
      assert.equal(r.headers['access-control-allow-credentials'], undefined);
    }
  });

  it('refuses the preflight of an origin not listed, without a CORS header', async () => {
    const r = await preflight(s, '/v1/chat/completions', 'https://evil.example');
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json().error.code, 'cross_site_request');
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  it('adds the CORS headers to a listed origin\'s answers, errors included', async () => {
    const ok = await post(s.u('/v1/chat/completions'), chatBody('hi'), { headers: { origin: APP, ...bearer(TOKEN) } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers['access-control-allow-origin'], APP);
    assert.match(ok.headers['access-control-expose-headers'], /X-Request-Id/);
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    const denied = await post(s.u('/v1/chat/completions'), chatBody('hi'), { headers: { origin: APP } });
    assert.equal(denied.status, 401, denied.text);
    assert.equal(denied.headers['access-control-allow-origin'], APP);
    const other = await post(s.u('/v1/chat/completions'), chatBody('hi'),
      { headers: { origin: 'https://evil.example', ...bearer(TOKEN) } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('gives the admin and session routes no CORS at all', async () => {
    const r = await preflight(s, '/api/admin/providers', APP, 'GET');
    assert.notEqual(r.status, 204, r.text);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const a = await request(s.u('/api/admin/providers'), { headers: { origin: APP, ...bearer(TOKEN) } });
    assert.equal(a.status, 200, a.text);
    assert.equal(a.headers['access-control-allow-origin'], undefined);
    const login = await preflight(s, '/api/auth/login', APP);
    assert.equal(login.headers['access-control-allow-origin'], undefined);
    // Gateway-token routes of the dashboard's side: no CORS either.
    for (const p of ['/api/auth/me', '/api/admin/provider-presets']) {
      const pre = await preflight(s, p, APP, 'GET');
      assert.notEqual(pre.status, 204, `${p}: ${pre.text}`);
      assert.equal(pre.headers['access-control-allow-origin'], undefined, p);
      const got = await request(s.u(p), { headers: { origin: APP, ...bearer(TOKEN) } });
      assert.equal(got.headers['access-control-allow-origin'], undefined, `${p}: ${got.status}`);
    }
  });
});

describe('CORS off (no server.cors_origins)', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth }); });
  after(async () => { await s?.stop(); });

  it('answers no origin', async () => {
    const r = await preflight(s, '/v1/chat/completions', APP);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const ok = await post(s.u('/v1/chat/completions'), chatBody('hi'), { headers: { origin: APP, ...bearer(TOKEN) } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers['access-control-allow-origin'], undefined);
  });
});
