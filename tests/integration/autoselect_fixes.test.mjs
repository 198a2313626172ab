// Autoselect's could-fix items of issue 11, through the binary: the error a
// request gets when only its tools or images leave no candidate (a 400 as a
// rotation's, not the privacy 403), a body the decoder rejects when
// classification is on (its 400, never an unclassified route), a large
// body's classification (scanned off the event loop, the same decision),
// and AISBF's listing aliases (/api/autoselections/models, /v1/chat/models,
// GET /api/{autoselect-id}/models, GET /api/{rotation-id}/models,
// /api/u/{username}/autoselections/models).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startStack, post, get, request, mockProvider, model, assertError, assertAnthropicError, bearer, createUser,
  createToken, tmpDir, ANTHROPIC_VERSION,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const EMAIL = 'mail me at jane.doe@example.org';
const TOOL = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };
const IMAGE = { type: 'image_url', image_url: { url: 'https://example.com/a.png' } };

// `plain` declares text only; `tooled` tools and vision.
const PROVIDERS = (url) => ({
  mock: mockProvider(url, { models: [model('select'), model('mock-model')] }),
  plain: mockProvider(url, { id: 'plain', models: [model('mock-model', { capabilities: ['t2t'] })] }),
  tooled: mockProvider(url, { id: 'tooled', models: [model('mock-model', { capabilities: ['t2t', 'function_calling', 'vision'] })] }),
});

const entry = (available_models, extra = {}) => ({
  model_name: 'x', description: 'test', selection_model: 'mock/select', fallback: 'plain/mock-model', available_models,
  ...extra,
});
const PLAIN = { model_id: 'plain/mock-model', description: 'text only' };
const TOOLED = { model_id: 'tooled/mock-model', description: 'tools and vision' };

const AUTOSELECT = {
  // No candidate declares tools or vision.
  textonly: entry([PLAIN]),
  // Privacy leaves the text-only candidate: only the tools rule it out.
  privplain: entry([{ ...PLAIN, privacy: true }], { classify_privacy: true }),
  // Privacy rules out the tool-capable one, tools the private one.
  privsplit: entry([{ ...PLAIN, privacy: true }, TOOLED], { classify_privacy: true }),
  // Neither flagged nor capable: privacy and tools each rule it out.
  privnone: entry([PLAIN], { classify_privacy: true }),
  // Classification on or off, for bodies the decoder rejects.
  classified: entry([{ ...PLAIN, privacy: true }, TOOLED], { classify_privacy: true, fallback: 'tooled/mock-model' }),
  nsfwonly: entry([PLAIN, TOOLED], { classify_nsfw: true, fallback: 'tooled/mock-model' }),
  unclassified: entry([PLAIN, TOOLED], { fallback: 'tooled/mock-model' }),
};

describe('autoselect fixes', { timeout: 120000 }, () => {
  let s;
  const upstream = async () => (await s.mock.chatRequests()).length;
  let conversations = 0;
  const ask = (id, content, extra = {}) => post(s.u(CHAT), {
    model: `autoselect/${id}`,
    messages: [{ role: 'system', content: `conversation ${++conversations}` }, { role: 'user', content }],
    ...extra,
  });

  before(async () => {
    s = await startStack({ providers: PROVIDERS, autoselect: AUTOSELECT });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('tools or images no candidate declares: a 400 unsupported_capability, as a rotation answers', async () => {
    const tools = await ask('textonly', 'look it up', { tools: [TOOL] });
    assertError(tools, 400, 'unsupported_capability');
    assert.match(tools.json().error.message, /no candidate of autoselect 'textonly' declares the tools capability/);
    const image = await ask('textonly', [{ type: 'text', text: 'see' }, IMAGE]);
    assertError(image, 400, 'unsupported_capability');
    assert.match(image.json().error.message, /the image capability \(vision\)/);
    // In the client's format.
    const anthropic = await post(s.u('/v1/messages'), {
      model: 'autoselect/textonly', max_tokens: 64, messages: [{ role: 'user', content: 'look it up' }],
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
    }, { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assertAnthropicError(anthropic, 400, 'invalid_request_error');
    assert.equal(await upstream(), 0);
  });

  it('personal data the privacy candidates can take, but not their tools: the 400 too', async () => {
    const r = await ask('privplain', EMAIL, { tools: [TOOL] });
    assertError(r, 400, 'unsupported_capability');
    assert.doesNotMatch(r.text, /jane\.doe/);
    // Without tools the private candidate serves.
    const ok = await ask('privplain', EMAIL);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers['x-aisbf-autoselected'], 'plain/mock-model; by=only');
  });

  it('privacy that removed candidates keeps the 403 naming the kinds of data', async () => {
    const split = await ask('privsplit', EMAIL, { tools: [TOOL] });
    assertError(split, 403, 'no_allowed_model');
    assert.match(split.json().error.message, /personal data \(email\)/);
    const none = await ask('privnone', EMAIL, { tools: [TOOL] });
    assertError(none, 403, 'no_allowed_model');
    assert.match(none.json().error.message, /personal data \(email\)/);
    assert.doesNotMatch(none.text, /jane\.doe/);
    assert.equal(await upstream(), 0);
    // Without personal data, the tool-capable candidate serves.
    const ok = await ask('privsplit', 'look it up', { tools: [TOOL] });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers['x-aisbf-autoselected'], 'tooled/mock-model; by=only');
  });

  // A data URL that is not base64: the decoder refuses it, an upstream
  // might not, and its text is personal data.
  const undecodable = (id) => ({
    model: `autoselect/${id}`,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'read this' },
      { type: 'image_url', image_url: { url: 'data:text/plain,jane.doe@example.org' } }] }],
  });

  it('a body the decoder rejects is answered with its 400 when classification is on', async () => {
    for (const id of ['classified', 'nsfwonly']) {
      const r = await post(s.u(CHAT), undecodable(id));
      assertError(r, 400);
      assert.match(r.json().error.message, /base64/, r.text);
      assert.equal(r.headers['x-aisbf-autoselected'], undefined);
    }
    assert.equal(await upstream(), 0);
    // Anthropic's format: its decoder's 400 in its shape.
    const anthropic = await post(s.u('/v1/messages'), {
      model: 'autoselect/classified', max_tokens: 64, messages: [{ role: 'user', content: 42 }],
    }, { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assertAnthropicError(anthropic, 400, 'invalid_request_error');
    assert.equal(await upstream(), 0);
  });

  it('classification off: such a body goes to the fallback as before', async () => {
    const r = await post(s.u(CHAT), undecodable('unclassified'));
    assert.equal(r.headers['x-aisbf-autoselected'], 'tooled/mock-model; by=fallback', r.text);
    assert.equal(await upstream(), 1);  // forwarded as it is: the upstream judges it
  });

  it('a body past 64 KiB is classified as a small one is', async () => {
    const filler = 'the quick brown fox jumps over the lazy dog. '.repeat(4000);  // 180 kB
    const privateOne = await ask('privsplit', `${filler} ${EMAIL}`);
    assert.equal(privateOne.status, 200, privateOne.text);
    assert.equal(privateOne.headers['x-aisbf-autoselected'], 'plain/mock-model; by=only');
    const refused = await ask('privnone', `${filler} ${EMAIL}`, { tools: [TOOL] });
    assertError(refused, 403, 'no_allowed_model');
    assert.match(refused.json().error.message, /personal data \(email\)/);
  });
});

// AISBF's listing aliases, with auth on.
const TOKEN = 'autoselect-fixes-token';
const ROTATIONS = {
  duo: {
    model_name: 'duo',
    providers: [
      { provider_id: 'plain', models: [{ name: 'mock-model', weight: 2, rate_limit: 1.5, context_size: 4096 }] },
      { provider_id: 'tooled', models: [{ name: 'mock-model', weight: 1 }] },
    ],
  },
};
const global = bearer(TOKEN);

describe('autoselect fixes: AISBF\'s listing aliases', { timeout: 60000 }, () => {
  let s;
  let userToken;
  before(async () => {
    s = await startStack({
      providers: PROVIDERS,
      autoselect: { textonly: AUTOSELECT.textonly, privsplit: AUTOSELECT.privsplit },
      rotations: ROTATIONS,
      auth: { enabled: true, tokens: [TOKEN] },
      aisbf: { database: { type: 'sqlite', sqlite_path: path.join(tmpDir('aisbf-asfix-'), 'aisbf.db') } },
    });
    await createUser(s.url, global, { username: 'dora' });
    userToken = (await createToken(s.url, global, 'dora')).token;
    const own = await request(s.u('/api/user/autoselects/mine'), {
      method: 'PUT',
      headers: bearer(userToken),
      body: { model_name: 'mine', description: 'my pick', fallback: 'plain/mock-model',
        available_models: [{ model_id: 'tooled/mock-model', description: 'my tools' }] },
    });
    assert.equal(own.status, 201, own.text);
    const rotation = await request(s.u('/api/user/rotations/myrot'), {
      method: 'PUT',
      headers: bearer(userToken),
      body: { model_name: 'my rotation', providers: [{ provider_id: 'plain', models: [{ name: 'mock-model', weight: 3 }] }] },
    });
    assert.equal(rotation.status, 201, rotation.text);
  });
  after(async () => { await s?.stop(); });

  const json = async (p, headers = global) => {
    const r = await get(s.u(p), { headers });
    assert.equal(r.status, 200, `${p}: ${r.text}`);
    return r.json();
  };

  it('/api/autoselections/models is /api/autoselect/models, for a global token and a user', async () => {
    for (const who of [global, bearer(userToken)]) {
      const alias = await json('/api/autoselections/models', who);
      assert.deepEqual(alias, await json('/api/autoselect/models', who));
      assert.ok(alias.data.some((m) => m.id === 'autoselect/privsplit'), JSON.stringify(alias));
    }
  });

  it('/v1/chat/models is /v1/models, in both shapes', async () => {
    const list = await json('/v1/chat/models');
    assert.equal(list.object, 'list');
    assert.deepEqual(list, await json('/v1/models'));
    assert.ok(list.data.some((m) => m.id === 'autoselect/textonly'));
    const anthropic = { 'x-api-key': TOKEN, 'anthropic-version': ANTHROPIC_VERSION };
    assert.deepEqual(await json('/v1/chat/models', anthropic), await json('/v1/models', anthropic));
  });

  it('GET /api/{autoselect-id}/models lists its candidates', async () => {
    const list = await json('/api/privsplit/models');
    assert.deepEqual(list, {
      object: 'list',
      data: [
        { id: 'plain/mock-model', object: 'model', created: 0, owned_by: 'aisbf', name: 'plain/mock-model',
          description: 'text only', autoselect_id: 'privsplit' },
        { id: 'tooled/mock-model', object: 'model', created: 0, owned_by: 'aisbf', name: 'tooled/mock-model',
          description: 'tools and vision', autoselect_id: 'privsplit' },
      ],
    });
    // A provider's models as before; a user's own autoselect in their namespace.
    assert.ok((await json('/api/plain/models')).data.some((m) => m.id === 'plain/mock-model'));
    const mine = await json('/api/mine/models', bearer(userToken));
    assert.deepEqual(mine.data.map((m) => [m.id, m.description, m.autoselect_id]),
      [['tooled/mock-model', 'my tools', 'mine']]);
    // Another's autoselect is unknown to the global token, as an unknown id.
    assertError(await get(s.u('/api/mine/models'), { headers: global }), 404, 'model_not_found');
    assertError(await get(s.u('/api/nothing/models'), { headers: global }), 404, 'model_not_found');
  });

  it('GET /api/{rotation-id}/models lists its models with AISBF\'s fields', async () => {
    const list = await json('/api/duo/models');
    assert.deepEqual(list, {
      object: 'list',
      data: [
        // The rotation entry's rate limit and context size; the provider model's capabilities.
        { id: 'plain/mock-model', object: 'model', created: 0, owned_by: 'plain', name: 'mock-model',
          provider_id: 'plain', rotation_id: 'duo', weight: 2, rate_limit: 1.5, context_window: 4096,
          capabilities: ['t2t'], provider_type: 'openai' },
        // Neither given by the entry: the provider model's context size and capabilities.
        { id: 'tooled/mock-model', object: 'model', created: 0, owned_by: 'tooled', name: 'mock-model',
          provider_id: 'tooled', rotation_id: 'duo', weight: 1, rate_limit: null, context_window: 128000,
          capabilities: ['t2t', 'function_calling', 'vision'], provider_type: 'openai' },
      ],
    });
    // The same for a user; their own rotation in their namespace only.
    assert.deepEqual(await json('/api/duo/models', bearer(userToken)), list);
    const mine = await json('/api/myrot/models', bearer(userToken));
    assert.deepEqual(mine.data.map((m) => [m.id, m.rotation_id, m.weight]), [['plain/mock-model', 'myrot', 3]]);
    assertError(await get(s.u('/api/myrot/models'), { headers: global }), 404, 'model_not_found');
  });

  it('/api/u/{username}/autoselections/models is /api/u/{username}/autoselects/models', async () => {
    for (const who of [global, bearer(userToken)]) {
      const alias = await json('/api/u/dora/autoselections/models', who);
      assert.deepEqual(alias, await json('/api/u/dora/autoselects/models', who));
      assert.deepEqual(alias.data.map((m) => m.id), ['user-autoselect/mine']);
    }
    assertError(await get(s.u('/api/u/nobody/autoselections/models'), { headers: global }), 404);
  });

  it('who may call: a token, as on the routes they alias', async () => {
    for (const p of ['/api/autoselections/models', '/v1/chat/models', '/api/privsplit/models', '/api/duo/models',
      '/api/u/dora/autoselections/models']) {
      assertError(await get(s.u(p)), 401);
      assertError(await get(s.u(p), { headers: bearer('wrong') }), 401);
    }
    assert.equal((await post(s.u('/api/autoselections/models'), {}, { headers: global })).status, 405);
  });
});

// Without the tokenizer's rank files the conversation shown to the selection
// model is cut by an estimate: it used to be left out, and the selection
// model chose blind (the bench's autoselect picked its fallback).
describe('autoselect without a tokenizer', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: PROVIDERS,
      autoselect: {
        blind: entry([{ model_id: 'plain/mock-model', description: 'weather forecasts and rain' },
          { model_id: 'tooled/mock-model', description: 'compilers and linkers' }], { fallback: 'plain/mock-model' }),
      },
      env: { AISBF_TOKENIZER_DIR: tmpDir('aisbf-no-tokenizer-') },
    });
  });
  after(async () => { await s?.stop(); });

  it('the selection model still sees the conversation and chooses by it', async () => {
    const r = await post(s.u(CHAT), {
      model: 'autoselect/blind', messages: [{ role: 'user', content: 'why do compilers and linkers disagree?' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['x-aisbf-autoselected'], /^tooled\/mock-model; by=llm/);
    const selection = (await s.mock.chatRequests()).map((q) => JSON.parse(q.body)).find((b) => b.model === 'select');
    assert.ok(selection, 'the selection model was asked');
    assert.match(selection.messages[0].content, /<aisbf_user_prompt>user: why do compilers and linkers disagree\?/);
  });
});
