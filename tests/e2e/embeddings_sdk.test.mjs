// The official OpenAI SDK's `client.embeddings.create` against aisbf (auth
// on) → aisbf-mock, for every provider type that embeds. Without an
// encoding_format the SDK asks for base64 and decodes it itself
// (resources/embeddings.ts, toFloat32Array): the vectors it returns must be
// the float32 values of the ones asked for as floats. An OpenAI-compatible
// upstream gets base64 asked of it (passthrough); for Gemini and Ollama the
// gateway encodes. A rotation whose first provider fails serves from the
// next; an Anthropic model is a 400 the SDK raises as BadRequestError.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startProvidersStack, OpenAI, typedProviders, model, MOCK_MODELS } from './common.mjs';

const TOKEN = 'e2e-embeddings-token';
const TEXTS = ['The quick brown fox', 'jumped over the lazy dog'];
const asFloat32 = (v) => v.map((x) => Math.fround(x));

describe('openai sdk embeddings', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startProvidersStack({
      token: TOKEN,
      providers: (url) => typedProviders(url, undefined, {
        models: [...MOCK_MODELS, 'embed-model', 'embed-fault-503'].map((m) => model(m)),
      }),
      rotations: {
        embfail: { providers: [
          { provider_id: 'openai', models: [{ name: 'embed-fault-503', weight: 1 }] },
          { provider_id: 'google', models: [{ name: 'embed-model', weight: 0 }] },
        ] },
      },
    });
    client = s.client();
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  for (const type of ['openai', 'google', 'ollama']) {
    it(`${type}: base64 (the SDK's default, decoded by it) equals float`, async () => {
      const model = `${type}/embed-model`;
      const floats = await client.embeddings.create({ model, input: TEXTS, encoding_format: 'float' });
      assert.equal(floats.object, 'list');
      assert.equal(floats.data.length, 2);
      assert.ok(floats.usage.prompt_tokens > 0);
      const decoded = await client.embeddings.create({ model, input: TEXTS });
      assert.equal(decoded.data.length, 2);
      for (let i = 0; i < 2; i++) {
        assert.equal(decoded.data[i].index, i);
        assert.ok(Array.isArray(decoded.data[i].embedding), 'the SDK decoded the base64 into numbers');
        assert.ok(decoded.data[i].embedding.length > 0);
        assert.deepEqual(decoded.data[i].embedding, asFloat32(floats.data[i].embedding));
      }
      // The same text gives the same vector whatever the protocol (the mock's rule):
      // one string, embedContent for Gemini.
      const one = await client.embeddings.create({ model, input: TEXTS[0], dimensions: 4 });
      assert.equal(one.data.length, 1);
      assert.equal(one.data[0].embedding.length, 4);
      if (type === 'openai') {
        const sent = (await s.mock.requests()).filter((q) => q.path.endsWith('/embeddings')).map((q) => JSON.parse(q.body));
        assert.deepEqual(sent.map((b) => b.encoding_format), ['float', 'base64', 'base64']);
      }
    });
  }

  it('a rotation fails over to the next provider', async () => {
    const r = await client.embeddings.create({ model: 'rotation/embfail', input: TEXTS }).withResponse();
    assert.equal(r.response.headers.get('x-aisbf-target'), 'google/embed-model');
    assert.equal(r.data.data.length, 2);
    const direct = await client.embeddings.create({ model: 'google/embed-model', input: TEXTS });
    assert.deepEqual(r.data.data.map((d) => d.embedding), direct.data.map((d) => d.embedding));
  });

  it('a model that cannot embed: BadRequestError naming it', async () => {
    await assert.rejects(client.embeddings.create({ model: 'anthropic/mock-model', input: 'x' }), (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError, String(err));
      assert.equal(err.status, 400);
      assert.match(err.message, /anthropic\/mock-model.*cannot create embeddings/);
      assert.equal(err.code, 'unsupported_operation');
      return true;
    });
  });
});
