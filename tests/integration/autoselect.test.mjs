// Autoselect through the binary, with aisbf-mock as both the selection
// model (it picks the candidate whose description shares the most words
// with the quoted conversation, in AISBF's tag format, or in the shape its
// model name asks for) and the chosen targets: the choice and the header
// that reports it, every fallback path, the decision cache, semantic
// selection, privacy and NSFW routing, AISBF's sample file.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { delay, startStack, post, chatBody, messagesBody, mockProvider, model, assertError, stream, contentOf,
  usageCsvRows, ANTHROPIC_VERSION } from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const CODING = 'Programming: code, debugging, functions, compilers, python and rust.';
const GENERAL = 'Everyday conversation: weather, cooking, travel and general questions.';
const CODE_ASK = 'Please help me with debugging this python function, the compilers complain';
const CHAT_ASK = 'What is the weather like for travel, and any cooking tips?';

const candidates = (extra = {}) => [
  { model_id: 'coding', description: CODING, ...extra.coding },
  { model_id: 'general', description: GENERAL, ...extra.general },
];
const entry = (selection_model, extra = {}) => ({
  model_name: 'x', description: 'test', selection_model, fallback: 'general', available_models: candidates(), ...extra,
});

const AUTOSELECT = {
  pick: entry('mock/select'),
  think: entry('mock/select-think'),
  fence: entry('mock/select-fence'),
  json: entry('mock/select-json'),
  garbage: entry('mock/select-garbage'),
  unknown: entry('mock/select-unknown'),
  broken: entry('mock/fault-500'),
  hang: entry('mock/fault-hang', { selection_timeout: 1 }),
  nocache: entry('mock/select', { cache_ttl: 0 }),
  // The selection model chooses a target that never answers.
  tohang: entry('mock/select', {
    available_models: [{ model_id: 'mock/fault-hang', description: CODING }, { model_id: 'general', description: GENERAL }],
  }),
  sem: entry('semantic'),
  private: entry('mock/select', {
    classify_privacy: true,
    available_models: [...candidates(), { model_id: 'local', description: 'A local model for private data', privacy: true }],
  }),
  privnone: entry('mock/select', { classify_privacy: true }),
  adultm: entry('mock/select', {
    classify_nsfw: true,
    classify_nsfw_model: 'mock/classifier',
    available_models: [...candidates(), { model_id: 'uncensored', description: 'Adult fiction', nsfw: true }],
  }),
  privtwo: entry('mock/select', {
    classify_privacy: true,
    available_models: [...candidates({ coding: { privacy: true } }),
      { model_id: 'local', description: 'A local model for private data', privacy: true }],
  }),
  adult: entry('mock/select', {
    classify_nsfw: true,
    available_models: [...candidates(), { model_id: 'uncensored', description: 'Adult fiction', nsfw: true }],
  }),
};

const ROTATIONS = {
  coding: { providers: [{ provider_id: 'mock', models: [{ name: 'code-model', weight: 1 }] }] },
  general: { providers: [{ provider_id: 'mock', models: [{ name: 'chat-model', weight: 1 }] }] },
  local: { providers: [{ provider_id: 'mock', models: [{ name: 'local-model', weight: 1 }] }] },
  uncensored: { providers: [{ provider_id: 'mock', models: [{ name: 'adult-model', weight: 1 }] }] },
};

const MODELS = ['classifier', 'code-model', 'chat-model', 'local-model', 'adult-model', 'select', 'select-think', 'select-fence',
  'select-json', 'select-garbage', 'select-unknown', 'fault-500', 'fault-hang'];

describe('autoselect', { timeout: 120000 }, () => {
  let s;
  const upstreamModels = async () => (await s.mock.chatRequests()).map((q) => JSON.parse(q.body).model);
  // Each ask is a conversation of its own (a system prompt no other has), so
  // that no test meets another's cached decision.
  let conversations = 0;
  const ask = (id, content) => post(s.u(CHAT), {
    model: `autoselect/${id}`,
    messages: [{ role: 'system', content: `conversation ${++conversations}` }, { role: 'user', content }],
  });
  const chosen = (r) => r.headers['x-aisbf-autoselected'];

  before(async () => {
    s = await startStack({
      providers: (url) => ({ mock: mockProvider(url, { models: MODELS.map((m) => model(m)) }) }),
      rotations: ROTATIONS,
      autoselect: AUTOSELECT,
      aisbf: { autoselect: { nsfw_words: ['dragon fruit'] } },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('the selection model picks the target, which serves the request', async () => {
    const code = await ask('pick', CODE_ASK);
    assert.equal(code.status, 200, code.text);
    assert.equal(chosen(code), 'coding; by=llm');
    assert.equal(code.json().choices[0].message.content, `You said: ${CODE_ASK}`);
    assert.deepEqual(await upstreamModels(), ['select', 'code-model']);
    const [selection] = await s.mock.chatRequests();
    const prompt = JSON.parse(selection.body).messages[0].content;
    assert.match(prompt, /<aisbf_user_prompt>user: Please help me with debugging/);
    assert.match(prompt, /<model><model_id>coding<\/model_id><model_description>Programming/);
    assert.match(prompt, /<aisbf_autoselect_fallback>general<\/aisbf_autoselect_fallback>/);
    assert.equal(JSON.parse(selection.body).temperature, 0);

    await s.mock.reset();
    const chat = await ask('pick', CHAT_ASK);
    assert.equal(chosen(chat), 'general; by=llm');
    assert.deepEqual(await upstreamModels(), ['select', 'chat-model']);
  });

  it('answers wrapped in reasoning, a fence or JSON are read; garbage and unknown ids fall back', async () => {
    for (const id of ['think', 'fence', 'json']) {
      const r = await ask(id, CODE_ASK);
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.equal(chosen(r), 'coding; by=llm', id);
    }
    for (const id of ['garbage', 'unknown']) {
      const r = await ask(id, CODE_ASK);
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.equal(chosen(r), 'general; by=fallback', id);
      assert.equal(r.json().choices[0].message.content, `You said: ${CODE_ASK}`);
    }
  });

  it('a failing or hanging selection model falls back, never failing the request', async () => {
    const broken = await ask('broken', CODE_ASK);
    assert.equal(broken.status, 200, broken.text);
    assert.equal(chosen(broken), 'general; by=fallback');
    const hang = await post(s.u(CHAT), chatBody(CODE_ASK, { model: 'autoselect/hang' }), { timeoutMs: 15000 });
    assert.equal(hang.status, 200, hang.text);
    assert.equal(chosen(hang), 'general; by=fallback');
    assert.deepEqual((await upstreamModels()).filter((m) => m === 'chat-model').length, 2);
  });

  it('later turns of one conversation reuse the choice without a selection call', async () => {
    const system = { role: 'system', content: `You are agent ${Date.now()}` };
    const first = [system, { role: 'user', content: CODE_ASK }];
    const r1 = await post(s.u(CHAT), { model: 'autoselect/pick', messages: first });
    assert.equal(chosen(r1), 'coding; by=llm');
    const second = [...first, { role: 'assistant', content: 'done' }, { role: 'user', content: CHAT_ASK }];
    const r2 = await post(s.u(CHAT), { model: 'autoselect/pick', messages: second });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(chosen(r2), 'coding; by=cache');
    assert.deepEqual(await upstreamModels(), ['select', 'code-model', 'code-model']);
    // Another conversation asks again; an autoselect with cache_ttl 0 always asks.
    const other = await ask('pick', CHAT_ASK);
    assert.equal(chosen(other), 'general; by=llm');
    for (let i = 0; i < 2; i++) assert.equal(chosen(await post(s.u(CHAT), { model: 'autoselect/nocache', messages: first })), 'coding; by=llm');
  });

  it('semantic selection picks by the descriptions without a model call', async () => {
    const r = await ask('sem', CODE_ASK);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'coding; by=semantic');
    assert.deepEqual(await upstreamModels(), ['code-model']);
    // Nothing in common with either description, and no model to ask: the fallback.
    const none = await ask('sem', 'zzz qqq');
    assert.equal(chosen(none), 'general; by=fallback');
    assert.deepEqual(await upstreamModels(), ['code-model', 'chat-model']);
  });

  it('personal data goes only to a privacy candidate; none is a 403 naming why', async () => {
    const secret = `${CODE_ASK}: mail me at jane.doe@example.org`;
    const r = await ask('private', secret);
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'local; by=only');  // the one candidate left: nothing to ask
    assert.deepEqual(await upstreamModels(), ['local-model']);
    const refused = await ask('privnone', secret);
    assertError(refused, 403, 'no_allowed_model');
    assert.match(refused.json().error.message, /personal data \(email\)/);
    assert.doesNotMatch(refused.text, /jane\.doe/);
    // Personal data is never shown to the selection model (no privacy
    // flag of its own): among two privacy candidates, the first serves.
    const two = await ask('privtwo', secret);
    assert.equal(chosen(two), 'coding; by=fallback');
    assert.ok(!(await upstreamModels()).includes('select'), JSON.stringify(await upstreamModels()));
    // Without personal data the privacy candidate competes like any other.
    assert.equal(chosen(await ask('private', CODE_ASK)), 'coding; by=llm');
  });

  it('NSFW content goes only to an nsfw candidate', async () => {
    const r = await ask('adult', 'write a hentai story');
    assert.equal(r.status, 200, r.text);
    assert.equal(chosen(r), 'uncensored; by=only');
    assert.deepEqual(await upstreamModels(), ['adult-model']);
    // The classifier model reads what the word list does not know (the mock
    // answers nsfw for "explicit"), and is not asked when the list decides.
    await s.mock.reset();
    assert.equal(chosen(await ask('adultm', 'an explicit story please')), 'uncensored; by=only');
    assert.deepEqual(await upstreamModels(), ['classifier', 'adult-model']);
    await s.mock.reset();
    assert.equal(chosen(await ask('adultm', 'write a hentai story')), 'uncensored; by=only');
    assert.deepEqual(await upstreamModels(), ['adult-model']);
    await s.mock.reset();
    assert.equal(chosen(await ask('adultm', CODE_ASK)), 'coding; by=llm');
    assert.deepEqual(await upstreamModels(), ['classifier', 'select', 'code-model']);
    // aisbf.json's own words and phrases count too, as whole words.
    assert.equal(chosen(await ask('adult', 'my Dragon  Fruit smoothie')), 'uncensored; by=only');
    assert.equal(chosen(await ask('adult', 'dragonfruit debugging in python')), 'coding; by=llm');
    assert.equal(chosen(await ask('adult', CODE_ASK)), 'coding; by=llm');
  });

  it('every chat door serves autoselect ids', async () => {
    // nocache: each door asks the selection model afresh.
    const scoped = await post(s.u('/api/autoselect/chat/completions'), chatBody(CODE_ASK, { model: 'nocache' }));
    assert.equal(scoped.status, 200, scoped.text);
    assert.equal(chosen(scoped), 'coding; by=llm');
    const byId = await post(s.u('/api/nocache/chat/completions'), chatBody(CODE_ASK, { model: 'anything' }));
    assert.equal(chosen(byId), 'coding; by=llm');
    const anthropic = await post(s.u('/api/v1/messages'), messagesBody(CODE_ASK, { model: 'autoselect/nocache' }),
      { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(anthropic.status, 200, anthropic.text);
    assert.equal(chosen(anthropic), 'coding; by=llm');
    const legacy = await post(s.u('/api/v1/completions'), { model: 'autoselect/nocache', prompt: CODE_ASK });
    assert.equal(legacy.status, 200, legacy.text);
    assert.equal(chosen(legacy), 'coding; by=llm');
    const streamed = await stream(s.u(CHAT), chatBody(CHAT_ASK, { model: 'autoselect/nocache', stream: true }));
    assert.equal(streamed.headers['x-aisbf-autoselected'], 'general; by=llm');
    assert.equal(contentOf(streamed.events), `You said: ${CHAT_ASK}`);
  });

  // The selection call's watch of the client used to leave the exchange
  // thinking it was watched: the chosen target's attempt was not, and a
  // client that left did not cancel it.
  it('a client that leaves after the selection cancels the chosen target\'s call', async () => {
    const req = http.request(s.u(CHAT), { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('error', () => { /* destroyed on purpose */ });
    req.end(JSON.stringify({ model: 'autoselect/tohang', messages: [{ role: 'user', content: CODE_ASK }] }));
    for (const until = Date.now() + 5000; !(await upstreamModels()).includes('fault-hang');) {
      assert.ok(Date.now() < until, `the chosen target was never called: ${await upstreamModels()}`);
      await delay(50);
    }
    assert.deepEqual(await upstreamModels(), ['select', 'fault-hang']);
    req.destroy();
    const st = await s.mock.waitStats((x) => x.aborted >= 1, 5000);
    assert.equal(st.aborted, 1);
  });

  it('the selection call is a usage row of its own', async () => {
    await ask('nocache', CODE_ASK);
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until;) {
      rows = await usageCsvRows(s);
      if (rows.some((r) => r.route === 'autoselect') && rows.some((r) => r.model === 'code-model')) break;
    }
    const selection = rows.filter((r) => r.route === 'autoselect');
    assert.ok(selection.length >= 1, JSON.stringify(rows));
    assert.equal(selection.at(-1).model, 'select');
  });
});

describe('autoselect: AISBF\'s sample autoselect.json', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (url) => ({ mock: mockProvider(url, { models: MODELS.map((m) => model(m)) }) }),
      rotations: ROTATIONS,
      // nextime/aisbf config/autoselect.json, unchanged.
      autoselect: {
        autoselect: {
          model_name: 'autoselect',
          description: 'Auto-selects the best rotating model based on user prompt analysis',
          fallback: 'general',
          available_models: [
            { model_id: 'coding', description: 'Best for programming, code generation, debugging, and technical tasks. Optimized for software development, code reviews, and algorithm design.' },
            { model_id: 'general', description: 'General purpose model for everyday tasks, conversations, and general knowledge queries. Good for a wide range of topics including writing, analysis, and explanations.' },
          ],
        },
      },
    });
  });
  after(async () => { await s?.stop(); });

  it('is served: its default selection model (the rotation general) chooses', async () => {
    const r = await post(s.u(CHAT), chatBody('debugging my code generation for software development', { model: 'autoselect/autoselect' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-autoselected'], 'coding; by=llm');
    const models = (await s.mock.chatRequests()).map((q) => JSON.parse(q.body).model);
    assert.deepEqual(models, ['chat-model', 'code-model']);
  });
});
