// Per-user and per-token quotas through the binary: a budget set by PATCH
// (or given to a token at creation) holds under concurrent requests (the
// mock sees exactly the requests served), refusals are 429 with Retry-After
// naming the subject and quota, concurrent slots free when requests end,
// raising a limit lets requests through again, and a request that never
// reached an upstream gives its reservation back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, startGateway, post, request, chatBody, assertError, mockProvider, model, delay,
  createUser, createToken, bearer, messagesBody,
} from './harness.mjs';

const GLOBAL = 'global-token-1';
const admin = bearer(GLOBAL);
const SLOW = 'fault-slow-1500';

// `request` priced per request only, so that estimate and actual cost are the same 0.10.
// `tiny`: a minute window of 100 tokens, which a request of 127 counted
// prompt tokens ('-x' × 120, one word for the mock) fits only while empty: after one, such requests are skipped before
// any upstream attempt.
const providers = (mockUrl) => ({
  mock: mockProvider(mockUrl, {
    models: [model('mock-model', { pricing: { prompt: 0, completion: 0, request: 0.1 } }), model(SLOW)],
  }),
  tiny: mockProvider(mockUrl, { id: 'tiny', models: [model('mock-model', { rate_limit_TPM: 100 })] }),
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

  const tokenRefusal = (t, quota) => `token ${t.id}: ${quota} reached`;
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

  it('a restart starts from the day\'s recorded requests, a user\'s and a token\'s, not from zero', async () => {
    const frank = await userWithQuotas('frank', { requests_per_day: 4 });
    const tf = await createToken(s.url, admin, 'frank', { quotas: { requests_per_day: 1 } });
    for (let i = 0; i < 2; ++i) assert.equal((await chat(frank)).status, 200);
    assert.equal((await chat(bearer(tf.token))).status, 200);
    const flushed = await post(s.u('/api/admin/usage/flush'), {}, { headers: admin });
    assert.equal(flushed.status, 200, flushed.text);
    await s.gw.stop();
    s.gw = await startGateway(s.configDir);
    s.url = s.gw.url;
    // The token's row counts on the token (reconciled by token id) and on its user.
    assertQuotaRefusal(await chat(bearer(tf.token)), tokenRefusal(tf, 'requests_per_day 1'));
    assert.equal((await chat(frank)).status, 200);
    assertQuotaRefusal(await chat(frank), 'user frank: requests_per_day 4 reached');
  });

  it('a token\'s own quota: N requests on it reach the mock, the user\'s other token goes on', async () => {
    await createUser(s.url, admin, { username: 'gina' });
    const limited = await createToken(s.url, admin, 'gina', { description: 'ci', quotas: { requests_per_day: 3 } });
    assert.deepEqual(limited.quotas, { requests_per_day: 3 });
    const other = await createToken(s.url, admin, 'gina');
    assert.deepEqual(other.quotas, {});
    const { served, refused, upstream } = await burst(bearer(limited.token), 12);
    assert.equal(served.length, 3);
    assert.equal(upstream, 3);
    for (const r of refused) assertQuotaRefusal(r, tokenRefusal(limited, 'requests_per_day 3'));
    await s.mock.reset();
    for (let i = 0; i < 4; ++i) assert.equal((await chat(bearer(other.token))).status, 200);
    assert.equal((await s.mock.chatRequests()).length, 4);
    const listed = await request(s.u('/api/admin/users/gina/tokens'), { headers: admin });
    const byId = Object.fromEntries(listed.json().data.map((t) => [t.id, t.quotas]));
    assert.deepEqual(byId[limited.id], { requests_per_day: 3 });
    assert.deepEqual(byId[other.id], {});
  });

  it('user and token quotas in one decision: the one reached refuses, naming itself, and charges neither', async () => {
    const hank = await userWithQuotas('hank', { requests_per_day: 4 });
    const t1 = await createToken(s.url, admin, 'hank', { quotas: { requests_per_day: 2 } });
    for (let i = 0; i < 2; ++i) assert.equal((await chat(bearer(t1.token))).status, 200);
    assertQuotaRefusal(await chat(bearer(t1.token)), tokenRefusal(t1, 'requests_per_day 2'));
    // The refused request was not counted on the user: two more fit her 4.
    assert.equal((await chat(hank)).status, 200);
    assert.equal((await chat(hank)).status, 200);
    assertQuotaRefusal(await chat(hank), 'user hank: requests_per_day 4 reached');
  });

  it('a user sets quotas on her own token; bad quotas are refused naming the field', async () => {
    const ida = await userWithQuotas('ida', {});
    const own = await post(s.u('/api/user/tokens'), { quotas: { max_concurrent: 1, cost_per_month: 2.5 } }, { headers: ida });
    assert.equal(own.status, 201, own.text);
    assert.deepEqual(own.json().quotas, { max_concurrent: 1, cost_per_month: 2.5 });
    const bad = await post(s.u('/api/user/tokens'), { quotas: { requests_per_week: 1 } }, { headers: ida });
    assertError(bad, 400, 'invalid_value');
    assert.equal(bad.json().error.param, 'quotas.requests_per_week');
    const worse = await post(s.u('/api/admin/users/ida/tokens'), { quotas: { tokens_per_day: -1 } }, { headers: admin });
    assertError(worse, 400, 'invalid_value');
    assert.equal(worse.json().error.param, 'quotas.tokens_per_day');
    const notObject = await post(s.u('/api/admin/users/ida/tokens'), { quotas: 5 }, { headers: admin });
    assert.equal(notObject.json().error.param, 'quotas');
  });

  it('requests that reach no upstream give their reservation back', async () => {
    const jack = await userWithQuotas('jack', { requests_per_day: 2 });
    const big = () => post(s.u('/v1/chat/completions'),
      chatBody('-x'.repeat(120), { model: 'tiny/mock-model', max_tokens: 4 }), { headers: jack, timeoutMs: 60000 });
    assert.equal((await big()).status, 200);  // the empty window takes it: 1 of 2
    await s.mock.reset();
    for (let i = 0; i < 5; ++i) assertError(await big(), 429, 'rate_limited');  // skipped, no attempt
    assert.equal((await s.mock.chatRequests()).length, 0);
    assert.equal((await chat(jack)).status, 200);  // 2 of 2: the five skipped ones cost nothing
    assertQuotaRefusal(await chat(jack), 'user jack: requests_per_day 2 reached');
  });

  // A client that asks again the moment it is answered (a new connection
  // each time) finds its one slot free, on the relayed, streamed and
  // translated paths and after an error answer. (That the reservation
  // settles before the answer's last bytes is pinned in the unit test
  // ChatCallTest.AQuotaSettlesBeforeTheAnswersLastBytes.)
  it('max_concurrent 1: back-to-back requests each find the slot free', async () => {
    const kim = await userWithQuotas('kim', { max_concurrent: 1 });
    const send = (i) => {
      if (i % 4 === 2) {
        return post(s.u('/v1/messages'), messagesBody('hi', { model: 'mock/mock-model', stream: i % 8 === 2 }),
          { headers: kim, timeoutMs: 60000 });
      }
      if (i % 4 === 3) {
        return post(s.u('/v1/chat/completions'), chatBody('hi', { model: 'mock/no-such-model', max_tokens: 16 }),
          { headers: kim, timeoutMs: 60000 });
      }
      return post(s.u('/v1/chat/completions'), chatBody('hi', { model: 'mock/mock-model', max_tokens: 16, stream: i % 4 === 1 }),
        { headers: kim, timeoutMs: 60000 });
    };
    for (let i = 0; i < 24; ++i) {
      const res = await send(i);
      if (i % 4 === 3) assert.notEqual(res.status, 429, `${i}: ${res.text}`);
      else assert.equal(res.status, 200, `${i}: ${res.text}`);
    }
  });

  it('a global token has no quotas', async () => {
    for (let i = 0; i < 3; ++i) assert.equal((await chat(admin)).status, 200);
  });
});
