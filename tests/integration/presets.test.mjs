// OpenAI-compatible presets against aisbf-mock: Azure OpenAI's deployment
// path, api-version and api-key header (and its v1 surface with Bearer), a
// groq-type provider with an explicit endpoint, OpenRouter's attribution
// headers, and the body quirks on the translating (Anthropic → OpenAI) path.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, stream, contentOf, chatBody, messagesBody, model, MOCK_KEY, ANTHROPIC_VERSION,
} from './harness.mjs';

const AZURE_VERSION = '2024-10-21';  // the preset's default api-version

function presetProviders(mockUrl) {
  return {
    azure: {
      name: 'Azure OpenAI',
      type: 'azure_openai',
      endpoint: mockUrl,  // stands for https://{resource}.openai.azure.com
      api_key: MOCK_KEY,
      models: [model('mock-model'), model('gpt-4o', { deployment: 'mock-deploy' })],
    },
    'azure-v1': {
      name: 'Azure OpenAI v1',
      type: 'openai',
      preset: 'azure_openai',
      api_version: 'v1',
      endpoint: mockUrl,
      api_key: MOCK_KEY,
      models: [model('mock-model')],
    },
    groq: {
      name: 'Groq',
      type: 'groq',
      endpoint: `${mockUrl}/openai/v1`,  // the preset's path on the mock's host
      api_key: MOCK_KEY,
      models: [model('mock-model')],
    },
    openrouter: {
      name: 'OpenRouter',
      type: 'openai',
      preset: 'openrouter',
      endpoint: `${mockUrl}/api/v1`,
      api_key: MOCK_KEY,
      site_url: 'https://aisbf.example',
      app_name: 'aisbf presets test',
      models: [model('mock-model')],
    },
  };
}

describe('OpenAI-compatible presets', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ providers: presetProviders }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  // The one chat request the mock recorded (the model-list refresh may add GETs).
  async function onlyChatRequest() {
    const reqs = (await s.mock.requests()).filter((q) => q.method === 'POST');
    assert.equal(reqs.length, 1, JSON.stringify(reqs));
    return reqs[0];
  }

  it('azure_openai: deployment path with api-version, api-key header, no Authorization', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('hello azure', { model: 'azure/mock-model' }), {
      headers: { authorization: 'Bearer caller-token' },
    });
    const q = await onlyChatRequest();
    assert.equal(q.path, `/openai/deployments/mock-model/chat/completions?api-version=${AZURE_VERSION}`);
    assert.equal(q.headers['api-key'], MOCK_KEY);
    assert.equal(q.headers.authorization, undefined, JSON.stringify(q.headers));
    assert.equal(JSON.parse(q.body).model, 'mock-model');
    // aisbf-mock's OpenAI routes take only `Authorization: Bearer`, so it
    // answers 401 to Azure's api-key header and the gateway reports a 502.
    // A mock that accepts api-key makes this a 200.
    if (r.status === 200) {
      assert.equal(r.json().choices[0].message.content, 'You said: hello azure');
    } else {
      assert.equal(r.status, 502, r.text);
      assert.match(r.json().error.message, /azure/);
    }
  });

  it('azure_openai: a model entry\'s deployment names the path', async () => {
    await post(s.u('/api/v1/chat/completions'), chatBody('dep', { model: 'azure/gpt-4o' }));
    const q = await onlyChatRequest();
    assert.equal(q.path, `/openai/deployments/mock-deploy/chat/completions?api-version=${AZURE_VERSION}`);
    assert.equal(q.headers['api-key'], MOCK_KEY);
  });

  it('azure_openai on the translating path (Anthropic client) uses the same path and header', async () => {
    await post(s.u('/v1/messages'), messagesBody('from claude', { model: 'azure/mock-model' }), {
      headers: { 'anthropic-version': ANTHROPIC_VERSION },
    });
    const q = await onlyChatRequest();
    assert.equal(q.path, `/openai/deployments/mock-model/chat/completions?api-version=${AZURE_VERSION}`);
    assert.equal(q.headers['api-key'], MOCK_KEY);
    assert.equal(q.headers.authorization, undefined);
    const sent = JSON.parse(q.body);
    assert.equal(sent.max_completion_tokens, 256);
    assert.equal(sent.max_tokens, undefined);
  });

  it('azure_openai with api_version "v1": /openai/v1/chat/completions with Bearer', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('hello v1', { model: 'azure-v1/mock-model' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: hello v1');
    const q = await onlyChatRequest();
    assert.equal(q.path, '/openai/v1/chat/completions');
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.equal(q.headers['api-key'], undefined);
  });

  it('groq with an explicit endpoint: Bearer, the endpoint\'s path, the body as sent', async () => {
    const body = chatBody('hello groq', { model: 'groq/mock-model', logprobs: true, n: 2 });
    const r = await post(s.u('/api/v1/chat/completions'), body);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: hello groq');
    const q = await onlyChatRequest();
    assert.equal(q.path, '/openai/v1/chat/completions');
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    // Passthrough: the caller's bytes, only the model rewritten (quirks apply
    // to translated bodies only).
    assert.deepEqual(JSON.parse(q.body), { ...body, model: 'mock-model' });
  });

  it('groq streams through the preset', async () => {
    const res = await stream(s.u('/api/v1/chat/completions'),
      chatBody('stream me', { model: 'groq/mock-model', stream: true }));
    assert.equal(res.status, 200, res.text);
    assert.equal(contentOf(res.events), 'You said: stream me');
    assert.equal(res.events.at(-1).data, '[DONE]');
    const q = await onlyChatRequest();
    assert.equal(q.path, '/openai/v1/chat/completions');
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
  });

  it('groq on the translating path gets its quirks (max_completion_tokens for the limit)', async () => {
    const r = await post(s.u('/v1/messages'), messagesBody('from claude', { model: 'groq/mock-model' }), {
      headers: { 'anthropic-version': ANTHROPIC_VERSION },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().content[0].text, 'You said: from claude');
    const sent = JSON.parse((await onlyChatRequest()).body);
    assert.equal(sent.max_completion_tokens, 256);
    assert.equal(sent.max_tokens, undefined);
    assert.ok(sent.messages.every((m) => m.name === undefined), JSON.stringify(sent.messages));
  });

  it('openrouter sends HTTP-Referer and X-Title from site_url and app_name', async () => {
    const r = await post(s.u('/api/v1/chat/completions'), chatBody('hi', { model: 'openrouter/mock-model' }));
    assert.equal(r.status, 200, r.text);
    const q = await onlyChatRequest();
    assert.equal(q.path, '/api/v1/chat/completions');
    assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
    assert.equal(q.headers['http-referer'], 'https://aisbf.example');
    assert.equal(q.headers['x-title'], 'aisbf presets test');
  });
});
