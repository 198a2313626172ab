// The official OpenAI SDK with a user's token on /api/user/… and
// /api/u/{username}/… (issue 9): the user's own provider and rotation are
// listed and served, plain and streamed, and the user's token never reaches
// the upstream (the mock records what it was sent).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSdkStack, OpenAI, request, post, mockProvider, tmpDir, MOCK_KEY, loadAnthropic } from './common.mjs';

const Anthropic = await loadAnthropic();

const ADMIN = 'e2e-user-ns-admin';
const admin = { authorization: `Bearer ${ADMIN}` };

describe('openai sdk with a user token', { timeout: 120000 }, () => {
  let s;
  let token;
  before(async () => {
    s = await startSdkStack({
      token: ADMIN,
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-e2e-userns-'), 'aisbf.db') } },
      providers: (u) => ({ mock: mockProvider(u, { models: ['mock-model'] }) }),
    });
    const made = await post(s.u('/api/admin/users'), { username: 'dana', password: 'pw-dana-123456', role: 'user' },
      { headers: admin });
    assert.equal(made.status, 201, made.text);
    const t = await post(s.u('/api/admin/users/dana/tokens'), { description: 'sdk' }, { headers: admin });
    assert.equal(t.status, 201, t.text);
    token = t.json().token;
    // The mock is on loopback: an admin allows dana's providers to reach it.
    const allow = await request(s.u('/api/admin/users/dana'),
      { method: 'PATCH', body: { allow_private_endpoints: true }, headers: admin });
    assert.equal(allow.status, 200, allow.text);
    const auth = { authorization: `Bearer ${token}` };
    const p = await request(s.u('/api/user/providers/own'), {
      method: 'PUT', headers: auth,
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'mock-model' }] },
    });
    assert.equal(p.status, 201, p.text);
    const r = await request(s.u('/api/user/rotations/mix'), {
      method: 'PUT', headers: auth, body: { model_name: 'mix', providers: [{ provider_id: 'own' }, { provider_id: 'mock' }] },
    });
    assert.equal(r.status, 201, r.text);
  });
  after(async () => { await s?.stop(); });

  for (const base of ['/api/user', '/api/u/dana']) {
    it(`${base}: lists the user's ids and serves each, plain and streamed; no user token upstream`, async () => {
      const client = new OpenAI({ baseURL: `${s.url}${base}`, apiKey: token, timeout: 10000, maxRetries: 0 });
      const ids = [];
      for await (const m of client.models.list()) ids.push(m.id);
      assert.ok(ids.includes('user-provider/own/mock-model'), ids.join(','));
      assert.ok(ids.includes('user-rotation/mix'), ids.join(','));
      await s.mock.reset();
      for (const model of ['user-provider/own/mock-model', 'user-rotation/mix', 'mock/mock-model']) {
        const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `hi ${model}` }] });
        assert.equal(r.choices[0].message.content, `You said: hi ${model}`);
        const stream = await client.chat.completions.create({
          model, stream: true, messages: [{ role: 'user', content: 'streamed' }],
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        assert.equal(text, 'You said: streamed');
      }
      const seen = await s.mock.chatRequests();
      assert.equal(seen.length, 6);
      for (const q of seen) {
        assert.ok(!JSON.stringify(q.headers).includes(token), 'the user token reached the upstream');
        assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
      }
    });
  }

  // The Anthropic SDK sends its key as x-api-key, on the model routes too.
  it('the Anthropic SDK with the user token: models.list() shows the user\'s ids, each retrieved and served on /v1/messages',
    { skip: Anthropic ? false : '@anthropic-ai/sdk is not installed' }, async () => {
      const client = new Anthropic({ baseURL: s.url, apiKey: token, timeout: 10000, maxRetries: 0 });
      const ids = [];
      for await (const m of client.models.list()) ids.push(m.id);
      const own = ids.filter((id) => id.startsWith('user-'));
      assert.deepEqual(own.sort(), ['user-provider/own/mock-model', 'user-rotation/mix'], ids.join(','));
      for (const model of own) {
        const info = await client.models.retrieve(model);
        assert.equal(info.id, model);
        assert.equal(info.type, 'model');
        const m = await client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: `hi ${model}` }] });
        assert.equal(m.content[0].text, `You said: hi ${model}`);
      }
    });
});
