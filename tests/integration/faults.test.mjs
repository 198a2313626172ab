// Upstream failures and how the client sees them: error statuses, auth
// failures, unreachable and hanging upstreams, unsupported provider types.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, stream, chatBody, assertError, assertStreamEndsWithError, mockProvider, model,
  closedPort, MOCK_KEY,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';

// What the mock itself answers for `model` (to compare the relayed answer).
function mockDirect(s, modelName, extra = {}) {
  return post(s.mock.u('/v1/chat/completions'), chatBody('direct', { model: modelName, ...extra }), {
    headers: { authorization: `Bearer ${MOCK_KEY}` },
  });
}

// No upper bounds on how long a failure takes: under ASan with parallel
// jobs a loopback round trip can take seconds. Which limit ended a call is
// told by the error's code and by timeouts chosen far apart instead.
describe('upstream faults', { timeout: 120000 }, () => {
  let s;
  let dead;
  before(async () => {
    dead = await closedPort();
    s = await startStack({
      providers: (mockUrl) => ({
        mock: mockProvider(mockUrl),
        // Provider-level first-byte timeout.
        slowmock: mockProvider(mockUrl, {
          id: 'slowmock', models: ['fault-hang', 'fault-hang-after-first', 'mock-model'],
          timeouts: { connect: 2, first_byte: 1, idle: 1, total: 10 },
        }),
        // Model-level timeout overriding the provider's.
        modelto: mockProvider(mockUrl, {
          id: 'modelto', models: [model('fault-hang', { timeouts: { first_byte: 1 } })],
        }),
        dead: mockProvider(`http://127.0.0.1:${dead}`, {
          id: 'dead', models: ['mock-model'], timeouts: { connect: 2 },
        }),
        co: { ...mockProvider(mockUrl, { id: 'co', models: ['command-r'] }), type: 'cohere' },
      }),
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('upstream 400 → 400 with the upstream message', async () => {
    const direct = await mockDirect(s, 'fault-400');
    assert.equal(direct.status, 400, direct.text);
    const upstreamMsg = direct.json().error.message;
    const e = assertError(await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-400' })), 400);
    assert.ok(e.message.includes(upstreamMsg), `"${e.message}" lacks "${upstreamMsg}"`);
  });

  it('upstream 401 → 502 upstream_auth_failed naming the provider, without the upstream body', async () => {
    const direct = await mockDirect(s, 'fault-401');
    assert.equal(direct.status, 401, direct.text);
    const upstreamMsg = direct.json().error.message;
    const r = await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-401' }));
    const e = assertError(r, 502, 'upstream_auth_failed');
    assert.match(e.message, /\bmock\b/);
    assert.ok(!r.text.includes(upstreamMsg), `upstream body leaked: ${r.text}`);
    assert.ok(!r.text.includes(MOCK_KEY), r.text);
  });

  it('upstream 429 → 429 with the upstream Retry-After', async () => {
    const direct = await mockDirect(s, 'fault-429');
    assert.equal(direct.status, 429, direct.text);
    const r = await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-429' }));
    assertError(r, 429);
    assert.ok(direct.headers['retry-after'], 'the mock sends no Retry-After');
    assert.equal(r.headers['retry-after'], direct.headers['retry-after']);
  });

  for (const status of [500, 503]) {
    it(`upstream ${status} → ${status} api_error`, async () => {
      const r = await post(s.u(CHAT), chatBody('x', { model: `mock/fault-${status}` }));
      assertError(r, status);
    });
  }

  it('upstream errors on a stream request are plain HTTP errors (nothing sent yet)', async () => {
    for (const [m, status] of [['fault-400', 400], ['fault-429', 429], ['fault-500', 500], ['fault-401', 502]]) {
      const r = await stream(s.u(CHAT), chatBody('x', { model: `mock/${m}`, stream: true }));
      assert.equal(r.status, status, `${m}: ${r.text}`);
      assertError({ ...r, json: () => JSON.parse(r.text) }, status);
    }
  });

  it('upstream closes without answering (fault-close) → 502', async () => {
    assertError(await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-close' })), 502);
  });

  it('upstream unreachable (closed port) → 502 upstream_unreachable (refused, not timed out)', async () => {
    const r = await post(s.u(CHAT), chatBody('x', { model: 'dead/mock-model' }), { timeoutMs: 15000 });
    assertError(r, 502, 'upstream_unreachable');
    const st = await stream(s.u(CHAT), chatBody('x', { model: 'dead/mock-model', stream: true }));
    assert.equal(st.status, 502, st.text);
  });

  it('first-byte timeout (provider timeouts) → 504', async () => {
    const t0 = Date.now();
    const r = await post(s.u(CHAT), chatBody('x', { model: 'slowmock/fault-hang' }), { timeoutMs: 30000 });
    const e = assertError(r, 504, 'upstream_timeout');
    assert.match(e.message, /response head/);
    const took = Date.now() - t0;
    // first_byte is 1 s, total 10 s: a 504 before the total can only be the
    // first-byte limit (a lower bound is safe under load; the upper one is the
    // 10 s total, not a speed expectation).
    assert.ok(took >= 800 && took < 9500, `504 after ${took} ms`);
  });

  it('first-byte timeout (model timeouts) → 504', async () => {
    // The provider's first_byte is the 300 s default: a 504 within the
    // client's 30 s can only come from the model's 1 s.
    const r = await post(s.u(CHAT), chatBody('x', { model: 'modelto/fault-hang' }), { timeoutMs: 30000 });
    assertError(r, 504, 'upstream_timeout');
  });

  it('a stream that goes idle after the first event ends with an error event', async () => {
    const r = await stream(s.u(CHAT), chatBody('x', { model: 'slowmock/fault-hang-after-first', stream: true }), { timeoutMs: 30000 });
    const e = assertStreamEndsWithError(r);
    assert.ok(r.events.length >= 2, 'the first upstream event was not relayed');
    assert.equal(typeof e.message, 'string');
  });

  // fault-badjson: the mock answers 200, application/json, body "this is not json".
  it('a stream request answered with a non-SSE body ends in an error, not a hang', async () => {
    const r = await stream(s.u(CHAT), chatBody('x', { model: 'mock/fault-badjson', stream: true }), { timeoutMs: 6000 });
    if (r.status === 200) {
      assertStreamEndsWithError(r);
    } else {
      assertError({ ...r, json: () => JSON.parse(r.text) }, 502);
    }
    const after = await post(s.u(CHAT), chatBody('after badjson'));
    assert.equal(after.status, 200);
  });

  it('a non-stream answer that is not JSON → 502 (or relayed unchanged)', async () => {
    const r = await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-badjson' }));
    if (r.status === 200) assert.equal(r.text, 'this is not json');
    else assertError(r, 502);
  });

  it('a non-stream answer cut mid-body (fault-cut) → 502, not a truncated 200', async () => {
    const r = await post(s.u(CHAT), chatBody('x', { model: 'mock/fault-cut' }));
    assertError(r, 502);
  });

  it('client-facing errors name the provider, never the upstream address', async () => {
    const origins = [new URL(s.mock.url).host, `127.0.0.1:${dead}`];
    const check = (what, text, id) => {
      for (const origin of origins) assert.ok(!text.includes(origin), `${what}: the address leaked: ${text}`);
      assert.ok(text.includes(`'${id}'`), `${what}: the provider '${id}' is not named: ${text}`);
    };
    const plain = [
      ['refused', 'dead/mock-model', 502], ['closed', 'mock/fault-close', 502], ['cut body', 'mock/fault-cut', 502],
      ['first-byte timeout', 'slowmock/fault-hang', 504],
    ];
    for (const [what, m, status] of plain) {
      const r = await post(s.u(CHAT), chatBody('x', { model: m }), { timeoutMs: 30000 });
      check(what, assertError(r, status).message, m.split('/')[0]);
    }
    const streamed = [
      ['stream cut', 'mock/fault-cut'], ['stream idle', 'slowmock/fault-hang-after-first'],
    ];
    for (const [what, m] of streamed) {
      const r = await stream(s.u(CHAT), chatBody('x', { model: m, stream: true }), { timeoutMs: 30000 });
      check(what, assertStreamEndsWithError(r).message, m.split('/')[0]);
    }
    const closed = await stream(s.u(CHAT), chatBody('x', { model: 'dead/mock-model', stream: true }), { timeoutMs: 15000 });
    assert.equal(closed.status, 502, closed.text);
    check('stream refused', JSON.parse(closed.text).error.message, 'dead');
  });

  it('a provider type that is not built → 501 unsupported_provider_type', async () => {
    const e = assertError(await post(s.u(CHAT), chatBody('x', { model: 'co/command-r' })), 501, 'unsupported_provider_type');
    assert.match(e.message, /unsupported provider type/i);
  });

  it('the gateway still serves after all of that', async () => {
    const r = await post(s.u(CHAT), chatBody('alive'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: alive');
  });
});
