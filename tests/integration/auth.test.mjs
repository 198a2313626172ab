// Gateway tokens: every route but /health needs `Authorization: Bearer <token>`.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, get, post, stream, chatBody, assertError, MOCK_KEY } from './harness.mjs';

const TOKEN = 't1';
const ok = { authorization: `Bearer ${TOKEN}` };

describe('auth', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth: { enabled: true, tokens: [TOKEN] } }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('/health needs no token', async () => {
    const r = await get(s.u('/health'));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { status: 'ok' });
  });

  const gets = ['/', '/api/models', '/api/v1/models', '/v1/models', '/models', '/api/v1/models/mock/mock-model', '/api/mock/models'];
  for (const p of gets) {
    it(`GET ${p}: 401 without or with a wrong token, 200 with t1`, async () => {
      assertError(await get(s.u(p)), 401);
      assertError(await get(s.u(p), { headers: { authorization: 'Bearer wrong' } }), 401);
      assertError(await get(s.u(p), { headers: { authorization: 't1' } }), 401);
      assertError(await get(s.u(p), { headers: { authorization: 'Bearer t1x' } }), 401);
      const r = await get(s.u(p), { headers: ok });
      assert.equal(r.status, 200, r.text);
    });
  }

  it('unknown routes also ask for a token first', async () => {
    assertError(await get(s.u('/no/such/route')), 401);
  });

  for (const p of ['/api/v1/chat/completions', '/v1/chat/completions', '/api/mock/chat/completions']) {
    it(`POST ${p}: 401 without token and nothing reaches the upstream`, async () => {
      assertError(await post(s.u(p), chatBody('x')), 401);
      assertError(await post(s.u(p), chatBody('x'), { headers: { authorization: 'Bearer nope' } }), 401);
      assert.equal((await s.mock.chatRequests()).length, 0);
      const r = await post(s.u(p), chatBody('with token'), { headers: ok });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json().choices[0].message.content, 'You said: with token');
    });
  }

  it('the gateway token is never forwarded upstream', async () => {
    const r = await stream(s.u('/api/v1/chat/completions'), chatBody('s', { stream: true }), { headers: ok });
    assert.equal(r.status, 200, r.text);
    const [q] = await s.mock.chatRequests();
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.ok(!JSON.stringify(q.headers).includes(`Bearer ${TOKEN}`));
  });

  it('a 401 answer does not leak configured tokens', async () => {
    const r = await get(s.u('/api/v1/models'), { headers: { authorization: 'Bearer wrong' } });
    assert.ok(!r.text.includes(TOKEN + '"') && !r.text.includes(MOCK_KEY), r.text);
  });
});
