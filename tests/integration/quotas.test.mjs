// Per-user quotas through the binary: a budget set by PATCH holds under 50
// concurrent requests (the mock sees exactly the requests served), refusals
// are 429 with Retry-After naming the quota, concurrent slots free when
// requests end, and raising a limit lets requests through again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, startGateway, post, request, chatBody, assertError, mockProvider, model, delay,
  createUser, createToken, bearer,
} from './harness.mjs';

const GLOBAL = 'global-token-1';
const admin = bearer(GLOBAL);
const SLOW = 'fault-slow-1500';

// `request` priced per request only, so that estimate and actual cost are the same 0.10.
const providers = (mockUrl) => ({
  mock: mockProvider(mockUrl, {
    models: [model('mock-model', { pricing: { prompt: 0, completion: 0, request: 0.1 } }), model(SLOW)],
  }),
});

describe('quotas', { timeout: 180000 }, () => {
  let s;
  before(async () => { s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] }, providers }); });
  after(async () => { await s?.stop(); });

  async function userWithQuotas(username, quotas) {
    await createUser(s.url, admin, { username });
    const patched = await patchQuotas(username, quotas);
    assert.equal(patched.status, 200, patched.text);
    return bearer((await createToken(s.url, admin, username)).token);
  }
  const patchQuotas = (username, quotas) =>
    request(s.u(`/api/admin/users/${username}`), { method: 'PATCH', body: { quotas }, headers: admin });
  const chat = (headers, modelName = 'mock/mock-model') =>
    post(s.u('/v1/chat/completions'), chatBody('hi', { model: modelName, max_tokens: 16 }), { headers, timeoutMs: 60000 });

  async function burst(headers, n) {
    await s.mock.reset();
    const answers = await Promise.all(Array.from({ length: n }, () => chat(headers)));
    const served = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status !== 200);
    return { served, refused, upstream: (await s.mock.chatRequests()).length };
  }

  function assertQuotaRefusal(res, text) {
    assertError(res, 429, 'quota_exceeded');
    assert.match(String(res.headers['retry-after']), /^[1-9][0-9]*$/);
    assert.ok(res.json().error.message.includes(text), res.text);
  }

  it('PATCH refuses an unknown or mistyped quota field, naming it', async () => {
    await createUser(s.url, admin, { username: 'eve' });
    const unknown = await patchQuotas('eve', { requests_per_week: 3 });
    assertError(unknown, 400, 'invalid_value');
    assert.equal(unknown.json().error.param, 'quotas.requests_per_week');
    const mistyped = await patchQuotas('eve', { cost_per_month: 'ten' });
    assert.equal(mistyped.json().error.param, 'quotas.cost_per_month');
  });

  it('requests_per_day 10: of 50 concurrent requests 10 are served, the mock sees 10', async () => {
    const alice = await userWithQuotas('alice', { requests_per_day: 10 });
    const { served, refused, upstream } = await burst(alice, 50);
    assert.equal(served.length, 10);
    assert.equal(upstream, served.length);
    assert.equal(refused.length, 40);
    for (const r of refused) assertQuotaRefusal(r, 'user alice: requests_per_day 10 reached');
  });

  it('cost_per_month 1.00 at 0.10 a request: of 50 concurrent requests 10 are served', async () => {
    const bob = await userWithQuotas('bob', { cost_per_month: 1.0 });
    const { served, refused, upstream } = await burst(bob, 50);
    assert.equal(served.length, 10);
    assert.equal(upstream, served.length);
    for (const r of refused) assertQuotaRefusal(r, 'user bob: cost_per_month 1.00 USD reached');
  });

  it('max_concurrent 2: a third request waits for one of two slow ones to end', async () => {
    const carol = await userWithQuotas('carol', { max_concurrent: 2 });
    await s.mock.reset();
    const slow = [chat(carol, `mock/${SLOW}`), chat(carol, `mock/${SLOW}`)];
    for (let i = 0; (await s.mock.chatRequests()).length < 2; ++i) {
      assert.ok(i < 400, 'the mock never saw both slow requests');
      await delay(25);
    }
    assertQuotaRefusal(await chat(carol), 'user carol: max_concurrent 2 reached');
    for (const r of await Promise.all(slow)) assert.equal(r.status, 200, r.text);
    assert.equal((await chat(carol)).status, 200);
  });

  it('a PATCH raising the limit lets requests through again', async () => {
    const dave = await userWithQuotas('dave', { requests_per_day: 2 });
    assert.equal((await chat(dave)).status, 200);
    assert.equal((await chat(dave)).status, 200);
    assertQuotaRefusal(await chat(dave), 'user dave: requests_per_day 2 reached');
    assert.equal((await patchQuotas('dave', { requests_per_day: 3 })).status, 200);
    assert.equal((await chat(dave)).status, 200);
    assertQuotaRefusal(await chat(dave), 'user dave: requests_per_day 3 reached');
  });

  it('a restart starts from the day\'s recorded requests, not from zero', async () => {
    const frank = await userWithQuotas('frank', { requests_per_day: 3 });
    for (let i = 0; i < 2; ++i) assert.equal((await chat(frank)).status, 200);
    const flushed = await post(s.u('/api/admin/usage/flush'), {}, { headers: admin });
    assert.equal(flushed.status, 200, flushed.text);
    await s.gw.stop();
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
    assert.equal((await chat(frank)).status, 200);
    assertQuotaRefusal(await chat(frank), 'user frank: requests_per_day 3 reached');
  });

  it('a global token has no quotas', async () => {
    for (let i = 0; i < 3; ++i) assert.equal((await chat(admin)).status, 200);
  });
});
