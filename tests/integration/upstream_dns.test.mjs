// Providers addressed by name (issue 8, item 13): `localhost` is resolved
// once and served from the worker's cache; a name that does not resolve
// fails within the provider's connect timeout, which covers resolution
// (a slow resolver is tested with an injected one in
// src/http/dns_resolver_test.cpp: loopback-only tests cannot slow getaddrinfo).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, post, stream, chatBody, mockProvider, assertError, contentOf } from './harness.mjs';

const CHAT = '/api/v1/chat/completions';

describe('upstream names', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => {
        const { port } = new URL(u);
        return {
          byname: mockProvider(u, { id: 'byname', models: ['mock-model'], endpoint: `http://localhost:${port}/v1` }),
          // RFC 6761: .invalid never resolves.
          nowhere: mockProvider(u, {
            id: 'nowhere', models: ['mock-model'], endpoint: 'http://aisbf-test.invalid/v1', timeouts: { connect: 2 },
          }),
        };
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('a provider at localhost is served, plain and streamed, request after request', async () => {
    for (let i = 0; i < 3; i += 1) {
      const r = await post(s.u(CHAT), chatBody(`by name ${i}`, { model: 'byname/mock-model' }), { timeoutMs: 15000 });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().choices[0].message.content, `You said: by name ${i}`);
    }
    const st = await stream(s.u(CHAT), chatBody('streamed', { model: 'byname/mock-model', stream: true }));
    assert.equal(st.status, 200, st.text);
    assert.equal(contentOf(st.events), 'You said: streamed');
  });

  it('a name that does not resolve → an error naming the provider and the phase', async () => {
    // 502 when the resolver answers "no such host", 504 when it is slower
    // than the 2 s connect timeout: either way the call ends, and says why.
    const r = await post(s.u(CHAT), chatBody('x', { model: 'nowhere/mock-model' }), { timeoutMs: 30000 });
    assert.ok(r.status === 502 || r.status === 504, `${r.status} ${r.text}`);
    const e = assertError(r, r.status, r.status === 502 ? 'upstream_unreachable' : 'upstream_timeout');
    assert.match(e.message, /provider 'nowhere'/);
    assert.match(e.message, /name resolution/);
  });
});
