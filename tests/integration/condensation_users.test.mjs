// LLM condensation for users (issue 10, review fixes): the `condensation`
// block's model is the operator's and resolves in the global config even
// when the request is served from a user's own provider (whose view holds
// none of the global providers), and the condensation call's tokens count
// against the quotas of the user whose request it condensed, without
// refusing that request half-way.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, get, post, request, delay, assertError, mockProvider, model, createUser, createToken, bearer, MOCK_KEY,
  colourConversation,
  noteSecrets, secretsIn,
} from './harness.mjs';

const GLOBAL = 'global-token-cu';
const admin = bearer(GLOBAL);
const CHAT = '/api/v1/chat/completions';
const CONDENSER = 'condenser';
const condensing = { context_size: 2000, condense_context: 50, condense_method: 'conversational' };

const bodyOf = (record) => JSON.parse(record.body);

async function usageRows(s) {
  assert.equal((await post(s.u('/api/admin/usage/flush'), {}, { headers: admin })).status, 200);
  const r = await get(s.u('/api/admin/usage?format=csv&from=0'), { headers: admin });
  assert.equal(r.status, 200, r.text);
  const [header, ...lines] = r.text.trim().split('\r\n').map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

describe('condensation for users', { timeout: 90000 }, () => {
  let s;
  before(async () => {
    // The global `mock` provider lists the condensation model; the users'
    // own providers below name none of the global ones.
    const providers = (url) => ({ mock: mockProvider(url, { models: [model(CONDENSER), model('conv-model', condensing)] }) });
    s = await startStack({ auth: { enabled: true, tokens: [GLOBAL] }, providers });
    const file = path.join(s.configDir, 'providers.json');
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    written.condensation = { provider_id: 'mock', model: CONDENSER, enabled: true };
    noteSecrets(secretsIn(written));
    fs.writeFileSync(file, JSON.stringify(written, null, 2));
    const r = await request(s.u('/api/admin/reload'), { method: 'POST', headers: { ...admin, 'content-length': '0' } });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const upstreamFor = async (name) => (await s.mock.chatRequests()).filter((q) => bodyOf(q).model === name);

  it("a user's own provider: condensed by the global condensation model, the call charged to the user", async () => {
    await createUser(s.url, admin, { username: 'carol' });
    const p = await request(s.u('/api/admin/users/carol'), { method: 'PATCH', body: { allow_private_endpoints: true }, headers: admin });
    assert.equal(p.status, 200, p.text);
    const carol = bearer((await createToken(s.url, admin, 'carol')).token);
    const own = await request(s.u('/api/user/providers/mine'), {
      method: 'PUT', headers: carol,
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'own-model', ...condensing }] },
    });
    assert.equal(own.status, 201, own.text);

    for (const route of [CHAT, '/api/u/carol/chat/completions']) {
      await s.mock.reset();
      const res = await post(s.u(route), { model: 'user-provider/mine/own-model', messages: colourConversation(10) }, { headers: carol });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers['x-aisbf-condensed'] ?? '', /^methods=conversational; /, route);
      assert.equal((await upstreamFor(CONDENSER)).length, 1, route);
      const [sent] = await upstreamFor('own-model');
      assert.equal(bodyOf(sent).messages.length, 3, route);
    }
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until; await delay(20)) {
      rows = (await usageRows(s)).filter((r) => r.username === 'carol');
      if (rows.filter((r) => r.route === 'condensation').length >= 2) break;
    }
    const calls = rows.filter((r) => r.route === 'condensation');
    assert.equal(calls.length, 2, JSON.stringify(rows));
    for (const c of calls) {
      assert.equal(c.model, CONDENSER);
      assert.equal(c.provider, 'mock');
    }
  });

  it("the condensation call counts against the user's token quota; the request it condensed is still served", async () => {
    // A request's estimate is its counted prompt (~1,600 tokens) plus
    // max_tokens 16. The condensed answer costs ~50 tokens upstream and the
    // condensation call ~1,700 (the mock counts words: prompt file and
    // transcript). With 2,400 a day the first request is admitted; only if
    // the condensation is charged does the second not fit any more.
    await createUser(s.url, admin, { username: 'dora' });
    const q = await request(s.u('/api/admin/users/dora'), { method: 'PATCH', body: { quotas: { tokens_per_day: 2400 } }, headers: admin });
    assert.equal(q.status, 200, q.text);
    const dora = bearer((await createToken(s.url, admin, 'dora')).token);
    const body = { model: 'mock/conv-model', max_tokens: 16, messages: colourConversation(10) };
    const first = await post(s.u(CHAT), body, { headers: dora });
    assert.equal(first.status, 200, first.text);
    assert.match(first.headers['x-aisbf-condensed'] ?? '', /^methods=conversational; /);
    const [call] = await upstreamFor(CONDENSER);
    assert.ok(call, 'the condensation model was asked');
    const second = await post(s.u(CHAT), body, { headers: dora });
    assertError(second, 429, 'quota_exceeded');
    assert.ok(second.json().error.message.includes('user dora: tokens_per_day'), second.text);
    assert.equal((await upstreamFor(CONDENSER)).length, 1);  // refused before any call
  });
});
