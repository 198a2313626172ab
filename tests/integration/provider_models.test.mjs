// The providers' own model lists: fetched in the background with each
// provider's key, merged after the configured models, skipped for providers
// whose required key is missing or one of AISBF's placeholders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, typedProviders, typedProvider, get, delay, MOCK_KEY, ANTHROPIC_VERSION,
} from './harness.mjs';

let s;

before(async () => {
  s = await startStack({
    providers: (mockUrl) => ({
      ...typedProviders(mockUrl, ['openai', 'anthropic', 'google', 'ollama'], { models: [{ name: 'mock-model' }] }),
      placeholder: typedProvider('openai', mockUrl, { id: 'placeholder', api_key: 'YOUR_OPENAI_API_KEY', models: [] }),
    }),
  });
});

after(() => s?.stop());

async function listedIds(headers = {}) {
  const res = await get(s.u('/api/v1/models'), { headers });
  assert.equal(res.status, 200, res.text);
  return res.json().data;
}

// The first refresh starts with the server; wait until it has landed.
async function waitForFetched(pred) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const data = await listedIds();
    if (pred(data)) return data;
    if (Date.now() > deadline) throw new Error(`provider models never listed: ${JSON.stringify(data.map((m) => m.id))}`);
    await delay(100);
  }
}

test('each provider type lists what its own models endpoint reports, after the configured models', async () => {
  const data = await waitForFetched((d) => ['openai', 'anthropic', 'google', 'ollama'].every(
    (p) => d.some((m) => m.provider === p && m.source === 'provider')));
  const ids = data.map((m) => m.id);
  for (const p of ['openai', 'anthropic', 'google', 'ollama']) {
    assert.ok(ids.includes(`${p}/mock-model`), `${p}: configured model listed`);
    assert.equal(ids.filter((id) => id === `${p}/mock-model`).length, 1, `${p}: no duplicate of a configured model`);
    const firstFetched = data.findIndex((m) => m.provider === p && m.source === 'provider');
    assert.ok(firstFetched > ids.indexOf(`${p}/mock-model`), `${p}: fetched models come after configured ones`);
  }
  assert.ok(ids.includes('openai/gpt-4o-mini'), 'the mock lists gpt-4o-mini on its OpenAI route');
  assert.ok(!data.some((m) => m.provider === 'placeholder' && m.source === 'provider'));
});

test('the provider keys were used and the placeholder provider was never asked', async () => {
  const lists = (await s.mock.requests()).filter((q) => q.method === 'GET' && /models|tags/.test(q.path));
  const byPath = (re) => lists.filter((q) => re.test(q.path));
  assert.ok(byPath(/^\/v1\/models$/).some((q) => q.headers.authorization === `Bearer ${MOCK_KEY}`));
  assert.ok(byPath(/^\/v1\/models$/).some((q) => q.headers['x-api-key'] === MOCK_KEY && q.headers['anthropic-version']));
  assert.ok(byPath(/^\/v1beta\/models$/).some((q) => q.headers['x-goog-api-key'] === MOCK_KEY));
  assert.ok(byPath(/^\/api\/tags$/).length >= 1);
  assert.ok(!lists.some((q) => (q.headers.authorization ?? '').includes('YOUR_')));
});

test('the Anthropic shape of the list includes fetched models too', async () => {
  const res = await get(s.u('/v1/models'), { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
  assert.equal(res.status, 200, res.text);
  const ids = res.json().data.map((m) => m.id);
  assert.ok(ids.includes('openai/gpt-4o-mini'));
  assert.ok(ids.includes('anthropic/mock-model'));
});
