// The official OpenAI SDK's images.generate against aisbf → aisbf-mock:
// b64_json through an OpenAI-compatible provider and through Gemini's IMAGE
// modality, and a url answer whose rewritten /api/proxy/{id} link, fetched
// through the gateway, gives the very bytes the upstream served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startSdkStack, mockProvider, typedProvider, get } from './common.mjs';

const TOKEN = 'e2e-images-token';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

describe('openai sdk: images.generate', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startSdkStack({
      token: TOKEN,
      aisbf: { media: { proxy_urls: true, proxy_ttl: 600 } },
      providers: (u) => ({
        mock: mockProvider(u, { models: ['dall-e-3', 'gpt-image-1'] }),
        google: typedProvider('google', u, { models: [{ name: 'gemini-image', context_size: 32000 }] }),
      }),
    });
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('b64_json from an OpenAI-compatible provider, usage included', async () => {
    const r = await client.images.generate({ model: 'mock/gpt-image-1', prompt: 'a lighthouse at dusk', size: '1024x1024' });
    assert.equal(r.data.length, 1);
    assert.ok(Buffer.from(r.data[0].b64_json, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));
    assert.equal(r.usage.input_tokens, 4);
    assert.equal(r.usage.output_tokens, 272);
  });

  it('Gemini translated: n images as b64_json', async () => {
    const r = await client.images.generate({ model: 'google/gemini-image', prompt: 'a lighthouse', n: 2 });
    assert.equal(r.data.length, 2);
    for (const d of r.data) assert.ok(Buffer.from(d.b64_json, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));
    assert.ok(r.created > 0);
  });

  it('url with the proxy on: the rewritten link gives the upstream bytes (sha256)', async () => {
    const upstream = s.mock.u('/__mock/image/77.png');
    const r = await client.images.generate({
      model: 'mock/dall-e-3', prompt: 'a lighthouse', response_format: 'url', mock_image_url: upstream,
    });
    const url = r.data[0].url;
    assert.match(url, /^\/api\/proxy\/[A-Za-z0-9_-]{22}$/);
    assert.ok(!url.includes('__mock'), 'the upstream URL is not shown to the client');
    const viaGateway = await get(s.u(url), { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(viaGateway.status, 200, viaGateway.text);
    assert.equal(viaGateway.headers['content-type'], 'image/png');
    const direct = await get(upstream);
    assert.equal(Number(viaGateway.headers['content-length']), direct.buf.length);
    assert.equal(sha256(viaGateway.buf), sha256(direct.buf));
  });
});
