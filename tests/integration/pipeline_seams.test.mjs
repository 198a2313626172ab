// The chat pipeline's request deadline (server.request_timeout), log lines
// built from client and upstream text, and the health state a made-up model
// name leaves behind. Real binaries: aisbf-mock (or a tiny upstream written
// here) behind aisbf.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import {
  startStack, startMock, writeConfigDir, startGateway, mockProvider, model, post, get, stream, chatBody,
  messagesBody, assertError, assertAnthropicError, assertStreamEndsWithError, eventJson,
} from './harness.mjs';

const CHAT = '/v1/chat/completions';

function rot(entries, extra = {}) {
  const providers = [];
  for (const [provider_id, name, weight] of entries) {
    let p = providers.find((x) => x.provider_id === provider_id);
    if (!p) providers.push(p = { provider_id, models: [] });
    p.models.push({ name, weight });
  }
  return { providers, ...extra };
}

function prov(mockUrl, id, models, extra = {}) {
  return mockProvider(mockUrl, { id, models, endpoint: `${mockUrl}/${id}/v1`, ...extra });
}

// Chat requests the mock received through provider `pid`.
async function upstreamCount(mock, pid) {
  return (await mock.chatRequests()).filter((q) => q.path.startsWith(`/${pid}/`)).length;
}

describe('server.request_timeout bounds a whole request', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      server: { request_timeout: 2.5 },
      aisbf: { routing: { max_attempts: 5, max_attempts_per_model: 2, max_rate_limit_wait: 60, seed: 3 } },
      providers: (u) => ({
        // Own timeouts far beyond the request's: only the deadline ends them.
        long1: prov(u, 'long1', ['fault-hang'], { timeouts: { connect: 5, first_byte: 30, idle: 30, total: 60 } }),
        long2: prov(u, 'long2', ['fault-hang'], { timeouts: { connect: 5, first_byte: 30, idle: 30, total: 60 } }),
        long3: prov(u, 'long3', ['fault-hang'], { timeouts: { connect: 5, first_byte: 30, idle: 30, total: 60 } }),
        // Each attempt gives up after 1 s: the third of 2.5 s is cut short.
        short1: prov(u, 'short1', ['fault-hang'], { timeouts: { connect: 5, first_byte: 1, idle: 30, total: 60 } }),
        short2: prov(u, 'short2', ['fault-hang'], { timeouts: { connect: 5, first_byte: 1, idle: 30, total: 60 } }),
        short3: prov(u, 'short3', ['fault-hang'], { timeouts: { connect: 5, first_byte: 1, idle: 30, total: 60 } }),
        first: prov(u, 'first', ['fault-hang-after-first'], { timeouts: { connect: 5, first_byte: 30, idle: 30, total: 60 } }),
        spaced: prov(u, 'spaced', ['mock-model'], { rate_limit: 30 }),
      }),
      rotations: {
        longs: rot([['long1', 'fault-hang', 1], ['long2', 'fault-hang', 1], ['long3', 'fault-hang', 1]]),
        shorts: rot([['short1', 'fault-hang', 1], ['short2', 'fault-hang', 1], ['short3', 'fault-hang', 1]],
          { max_attempts_per_model: 1 }),
      },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a rotation of hanging candidates answers 504 request_timeout after one attempt cut at the deadline', async () => {
    const r = await post(s.u(CHAT), chatBody('hang', { model: 'rotation/longs' }), { timeoutMs: 30000 });
    const e = assertError(r, 504, 'request_timeout');
    assert.match(e.message, /server\.request_timeout \(2\.5 s\)/);
    assert.match(e.message, /\(1 attempts\)/);
    const total = (await upstreamCount(s.mock, 'long1')) + (await upstreamCount(s.mock, 'long2'))
      + (await upstreamCount(s.mock, 'long3'));
    assert.equal(total, 1);
  });

  it('the rotation stops trying candidates once the deadline passes', async () => {
    const r = await post(s.u(CHAT), chatBody('hang', { model: 'rotation/shorts' }), { timeoutMs: 30000 });
    const e = assertError(r, 504, 'request_timeout');
    // 1 s, 1 s, then the 0.5 s left: three attempts, the last cut by the deadline.
    assert.match(e.message, /\(3 attempts\)/);
    let total = 0;
    for (const p of ['short1', 'short2', 'short3']) total += await upstreamCount(s.mock, p);
    assert.equal(total, 3);
  });

  it('an Anthropic client gets the 504 in its own format', async () => {
    const r = await post(s.u('/v1/messages'), messagesBody('hang', { model: 'rotation/longs' }),
      { headers: { 'anthropic-version': '2023-06-01' }, timeoutMs: 30000 });
    const e = assertAnthropicError(r, 504, 'timeout_error');
    assert.match(e.message, /server\.request_timeout/);
  });

  it('a started stream ends with an error event at the deadline', async () => {
    const r = await stream(s.u(CHAT), chatBody('hang', { model: 'first/fault-hang-after-first', stream: true }),
      { timeoutMs: 30000 });
    const e = assertStreamEndsWithError(r);
    assert.ok(eventJson(r.events.slice(0, -1)).length >= 1, 'the first event came before the error');
    assert.match(e.message, /server\.request_timeout/);
  });

  it('a wait for a rate_limit slot ends at the deadline', async () => {
    const ok = await post(s.u(CHAT), chatBody('one', { model: 'spaced/mock-model' }), { timeoutMs: 30000 });
    assert.equal(ok.status, 200, ok.text);
    // The next slot is 30 s away, within max_rate_limit_wait (60 s): the deadline ends the wait.
    const r = await post(s.u(CHAT), chatBody('two', { model: 'spaced/mock-model' }), { timeoutMs: 30000 });
    assertError(r, 504, 'request_timeout');
    assert.equal(await upstreamCount(s.mock, 'spaced'), 1);
  });
});

// An upstream whose error messages carry a newline, or 20 KB of text.
function startEvilUpstream() {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method !== 'POST') {  // the gateway's model list refresh
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no list here"}}');
        return;
      }
      const m = JSON.parse(body).model;
      const message = m === 'newline' ? 'boom\nFAKE LINE from the upstream' : `long ${'y'.repeat(20000)}`;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message, type: 'server_error', code: null } }));
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

describe('log lines from client and upstream strings', { timeout: 60000 }, () => {
  it('are escaped and capped: no forged line, none over 4 KB', async () => {
    const evil = await startEvilUpstream();
    const mock = await startMock();
    const upstream = `http://127.0.0.1:${evil.address().port}`;
    const dir = writeConfigDir({
      mockUrl: mock.url,
      providers: {
        mock: mockProvider(mock.url),
        evil: { ...mockProvider(upstream, { id: 'evil', models: ['newline', 'long'] }), endpoint: `${upstream}/v1` },
        open: { ...mockProvider(mock.url, { id: 'open', models: [] }) },
      },
    });
    const gw = await startGateway(dir, ['--log-level', 'debug']);
    try {
      const asks = [
        'evil\nFAKE LINE', `mock/evil\nFAKE LINE`, `open/${'x'.repeat(20000)}`, `mock/${'z'.repeat(20000)}`,
        'evil/newline', 'evil/long', 'open/fault-404-\u2028FAKE', 'mock/mock-model',
      ];
      for (const m of asks) {
        const r = await post(`${gw.url}${CHAT}`, chatBody('log me', { model: m }), { timeoutMs: 10000 });
        assert.ok(r.status >= 200, r.text);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = gw.stderr.split('\n');
      assert.ok(gw.stderr.includes('boom\\nFAKE LINE from the upstream'), 'the upstream text was logged, escaped');
      assert.ok(gw.stderr.includes('bytes)'), 'the 20 KB upstream text was logged, cut');
      for (const line of lines) {
        assert.ok(!line.startsWith('FAKE LINE'), `forged line: ${line}`);
        assert.ok(Buffer.byteLength(line) <= 4096, `a ${Buffer.byteLength(line)}-byte line: ${line.slice(0, 200)}…`);
      }
    } finally {
      await gw.stop();
      await mock.stop();
      evil.close();
    }
  });
});

describe('health for models a provider does not list', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => ({ open: prov(u, 'open', []), listed: prov(u, 'listed', ['fault-404']) }),
    });
  });
  after(async () => { await s?.stop(); });

  it('50 made-up names the upstream does not know leave no health entry each', async () => {
    for (let i = 0; i < 50; ++i) {
      const name = `fault-404-${i}-${Math.random().toString(36).slice(2, 10)}`;
      const r = await post(s.u(CHAT), chatBody('who', { model: `open/${name}` }), { timeoutMs: 10000 });
      assert.equal(r.status, 404, r.text);
    }
    // A listed model's failure is still recorded.
    const listed = await post(s.u(CHAT), chatBody('who', { model: 'listed/fault-404' }), { timeoutMs: 10000 });
    assert.equal(listed.status, 404, listed.text);
    const health = (await get(s.u('/api/admin/health'))).json().health;
    const open = health.filter((h) => h.key.startsWith('open'));
    assert.deepEqual(open, [], JSON.stringify(open));
    assert.ok(health.some((h) => h.key === 'listed/fault-404'), JSON.stringify(health));
    const ok = await post(s.u(CHAT), chatBody('hi', { model: 'open/mock-model' }), { timeoutMs: 10000 });
    assert.equal(ok.status, 200, ok.text);
  });
});
