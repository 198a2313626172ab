// Token counting through the binary: POST /api/v1/tokenize (input strings
// and arrays, chat messages, tools; the encoding of the upstream model the
// id resolves to) and POST /v1/messages/count_tokens, checked against a
// JavaScript tokenizer (token_reference.mjs) and OpenAI's published
// figures; neither route calls an upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, post, request, assertError, mockProvider, model, ANTHROPIC_VERSION, tmpDir, createUser, createToken,
  bearer, MOCK_KEY,
} from './harness.mjs';
import { reference, chatTokens } from './token_reference.mjs';

const TOKEN = 'tokenize-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
// Counted differently by the two encodings (CJK, emoji with ZWJ, accents, digits).
const TEXT = 'Tokenizers differ: 東京の天気は晴れです 👩‍👩‍👧 — naïve café, 1234567 items.';
const TEXT2 = 'A second string\twith a tab\r\nand CRLF.';

// OpenAI cookbook ("How to count tokens with tiktoken"), section 7: 105
// prompt tokens on gpt-4 and gpt-3.5-turbo, 101 on gpt-4o, as the API billed.
const WEATHER_TOOLS = [{
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        unit: { type: 'string', description: 'The unit of temperature to return', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['location'],
    },
  },
}];
const WEATHER_MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant that can answer to questions about the weather.' },
  { role: 'user', content: "What's the weather like in San Francisco?" },
];

const providers = (u) => ({
  mock: mockProvider(u),
  oai: mockProvider(u, { id: 'oai', models: [model('gpt-4o'), model('gpt-4')] }),
});
const rotations = {
  fouro: { model_name: 'fouro', providers: [{ provider_id: 'oai', models: [{ name: 'gpt-4o', weight: 1 }] }] },
};

describe('tokenize', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ providers, rotations, auth: { enabled: true, tokens: [TOKEN] } });
  });
  after(async () => { await s?.stop(); });

  const tokenize = (body, headers = AUTH) => post(s.u('/api/v1/tokenize'), body, { headers });
  async function count(body) {
    const r = await tokenize(body);
    assert.equal(r.status, 200, r.text);
    return r.json();
  }

  it('counts input text in the encoding of the model the id resolves to', async () => {
    const o200k = reference.count('o200k_base', TEXT);
    const cl100k = reference.count('cl100k_base', TEXT);
    assert.notEqual(o200k, cl100k, 'the text must tell the encodings apart');
    assert.deepEqual(await count({ model: 'oai/gpt-4o', input: TEXT }),
      { tokens: o200k, encoding: 'o200k_base', exact: true });
    assert.deepEqual(await count({ model: 'oai/gpt-4', input: TEXT }),
      { tokens: cl100k, encoding: 'cl100k_base', exact: true });
    // A rotation counts in its first candidate's encoding; a bare upstream name in its own.
    assert.deepEqual(await count({ model: 'rotation/fouro', input: TEXT }),
      { tokens: o200k, encoding: 'o200k_base', exact: true });
    assert.deepEqual(await count({ model: 'gpt-4o', input: TEXT }),
      { tokens: o200k, encoding: 'o200k_base', exact: true });
    // Not an OpenAI model: cl100k_base as the approximation, said so.
    assert.deepEqual(await count({ model: 'mock/mock-model', input: TEXT }),
      { tokens: cl100k, encoding: 'cl100k_base', exact: false });
    assert.deepEqual(await count({ model: 'claude-sonnet-4-5', input: TEXT }),
      { tokens: cl100k, encoding: 'cl100k_base', exact: false });
  });

  it('an input array is the sum of its strings, without overhead', async () => {
    const got = await count({ model: 'oai/gpt-4o', input: [TEXT, TEXT2, ''] });
    assert.equal(got.tokens, reference.count('o200k_base', TEXT) + reference.count('o200k_base', TEXT2));
  });

  it('messages are counted with the chat rule', async () => {
    const messages = [
      { role: 'system', content: TEXT2 },
      { role: 'user', name: 'alice', content: TEXT },
    ];
    for (const [id, encoding] of [['oai/gpt-4o', 'o200k_base'], ['oai/gpt-4', 'cl100k_base']]) {
      const got = await count({ model: id, messages });
      assert.deepEqual(got, { tokens: chatTokens(encoding, messages), encoding, exact: true });
    }
  });

  it('tools add the cookbook overhead: its published 101 (gpt-4o) and 105 (gpt-4)', async () => {
    assert.equal((await count({ model: 'oai/gpt-4o', messages: WEATHER_MESSAGES, tools: WEATHER_TOOLS })).tokens, 101);
    assert.equal((await count({ model: 'oai/gpt-4', messages: WEATHER_MESSAGES, tools: WEATHER_TOOLS })).tokens, 105);
    // Beside input: the text plus the same tool overhead (101 less the messages' chat count).
    const withTools = await count({ model: 'oai/gpt-4o', input: TEXT, tools: WEATHER_TOOLS });
    assert.equal(withTools.tokens,
      reference.count('o200k_base', TEXT) + 101 - chatTokens('o200k_base', WEATHER_MESSAGES));
  });

  it('an image URL is counted at an assumed size, and the count says it is not exact', async () => {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'what is this' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }];
    const got = await count({ model: 'oai/gpt-4o', messages });
    assert.equal(got.exact, false);
    assert.equal(got.tokens, 3 + 3 + reference.count('o200k_base', 'user')
      + reference.count('o200k_base', 'what is this') + 765);
    messages[0].content[1].image_url.detail = 'low';
    assert.deepEqual(await count({ model: 'oai/gpt-4o', messages }),
      { tokens: got.tokens - 765 + 85, encoding: 'o200k_base', exact: true });
  });

  it('refuses bad input with 400s that name the field', async () => {
    assert.equal(assertError(await tokenize({ input: 'x' }), 400).param, 'model');
    assert.equal(assertError(await tokenize({ model: '', input: 'x' }), 400).param, 'model');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o' }), 400).param, 'messages');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o', input: 'x', messages: [] }), 400).param, 'input');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o', input: ['x', 7] }), 400).param, 'input[1]');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o', input: { text: 'x' } }), 400).param, 'input');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o', messages: [{ role: 'wizard', content: 'x' }] }), 400)
      .param, 'messages[0].role');
    assert.equal(assertError(await tokenize({ model: 'gpt-4o', input: 'x', tools: 'none' }), 400).param, 'tools');
    assertError(await tokenize({ model: 'rotation/nope', input: 'x' }), 404, 'model_not_found');
    const bad = await request(s.u('/api/v1/tokenize'), { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"model":' });
    assertError(bad, 400);
    assertError(await tokenize({ model: 'gpt-4o', input: 'x' }, {}), 401);
  });

  it('count_tokens counts an Anthropic request on cl100k_base with the chat rule', async () => {
    const body = { model: 'mock/mock-model', system: TEXT2, messages: [{ role: 'user', content: TEXT }] };
    const headers = { ...AUTH, 'anthropic-version': ANTHROPIC_VERSION };
    const expected = chatTokens('cl100k_base', [{ role: 'system', content: TEXT2 }, { role: 'user', content: TEXT }]);
    for (const route of ['/v1/messages/count_tokens', '/api/v1/messages/count_tokens']) {
      const r = await post(s.u(route), body, { headers });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { input_tokens: expected });
    }
    const bad = await post(s.u('/v1/messages/count_tokens'), { model: 'mock/mock-model' }, { headers });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json().type, 'error');
  });

  // Counting runs on a worker thread: a body past 4 MiB is refused whole,
  // not counted for a second while the worker's other requests wait.
  it('a body past 4 MiB is a 413 on both routes; one just under it is counted', async () => {
    const big = 'word '.repeat(Math.ceil((4 * 1024 * 1024 + 16) / 5));
    const r = await tokenize({ model: 'gpt-4o', input: big });
    assertError(r, 413);
    assert.match(r.json().error.message, /at most 4194304 bytes/);
    const headers = { ...AUTH, 'anthropic-version': ANTHROPIC_VERSION };
    const c = await post(s.u('/v1/messages/count_tokens'),
      { model: 'mock/mock-model', messages: [{ role: 'user', content: big }] }, { headers });
    assert.equal(c.status, 413, c.text);
    const fits = await tokenize({ model: 'gpt-4o', input: 'word '.repeat(800000).trimEnd() });  // 'word' + ' word' × 799,999
    assert.equal(fits.status, 200, fits.text);
    assert.equal(fits.json().tokens, 800000);
  });

  it('neither route calls an upstream', async () => {
    assert.equal((await s.mock.chatRequests()).length, 0);
  });
});

// A user's own provider resolves in their namespace only, as for a chat.
describe('tokenize in a user namespace', { timeout: 60000 }, () => {
  let s;
  let alice;
  let bob;
  before(async () => {
    s = await startStack({
      providers,
      auth: { enabled: true, tokens: [TOKEN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-tokenize-'), 'aisbf.db') } },
    });
    for (const name of ['alice', 'bob']) await createUser(s.url, AUTH, { username: name });
    alice = bearer((await createToken(s.url, AUTH, 'alice')).token);
    bob = bearer((await createToken(s.url, AUTH, 'bob')).token);
    const allow = await request(s.u('/api/admin/users/alice'),
      { method: 'PATCH', headers: AUTH, body: { allow_private_endpoints: true } });
    assert.equal(allow.status, 200, allow.text);
    const put = await request(s.u('/api/user/providers/mine'), {
      method: 'PUT',
      headers: alice,
      body: { type: 'openai', endpoint: `${s.mock.url}/v1`, api_key: MOCK_KEY, models: [{ name: 'gpt-4o' }] },
    });
    assert.equal(put.status, 201, put.text);
  });
  after(async () => { await s?.stop(); });

  it("counts in the encoding of the user's own model; another user gets the chat routes' 404", async () => {
    const body = { model: 'user-provider/mine/gpt-4o', input: TEXT };
    const r = await post(s.u('/api/v1/tokenize'), body, { headers: alice });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { tokens: reference.count('o200k_base', TEXT), encoding: 'o200k_base', exact: true });
    assertError(await post(s.u('/api/v1/tokenize'), body, { headers: bob }), 404, 'model_not_found');
    assertError(await post(s.u('/api/v1/tokenize'), body, { headers: AUTH }), 404, 'model_not_found');
  });
});
