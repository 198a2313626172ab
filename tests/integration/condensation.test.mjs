// Context condensation on the request path (issue 10): a conversation over
// a model's condense_context threshold is condensed by the methods of its
// condense_method before the upstream call, the LLM methods ask the
// configured condensation model through the pipeline with the prompt file
// of the config dir, a failing method falls through to the next, a request
// nothing can fit is a 400 before any upstream call, and the answer says
// what ran in x-aisbf-condensed (OpenAI and Anthropic ingress, streamed and not).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startStack, get, post, request, stream, delay, contentOf, assertError, mockProvider, model, typedProvider,
  ANTHROPIC_VERSION, COLOURS, colourConversation,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const MESSAGES = '/api/v1/messages';
const CONDENSER = 'condenser';  // the condensation model, on the mock
const HEADER = /^methods=([a-z_,]+); before=(\d+); after=(\d+)$/;

const LOCAL_METHODS = ['hierarchical', 'algorithmic', 'sliding_window', 'importance_based', 'entity_aware', 'code_aware'];

// Small contexts so that a few kilobytes reach the thresholds.
function models() {
  const condensing = (name, method, extra = {}) =>
    model(name, { context_size: 2000, condense_context: 50, condense_method: method, ...extra });
  return [
    model(CONDENSER), model('fault-500'), model('fault-slow-5000'),
    condensing('conv-model', 'conversational'),
    condensing('sem-model', 'semantic'),
    condensing('chain-model', ['conversational', 'semantic']),
    condensing('tiny-model', ['conversational'], { context_size: 300 }),
    condensing('fallback-model', ['conversational', 'sliding_window']),
    ...LOCAL_METHODS.map((m) => condensing(`local-${m}`, m)),
  ];
}

// `reuse`: a failing candidate, then one with the same settings (the
// condensed request is reused); `refused`: every candidate too small.
const ROTATIONS = {
  reuse: {
    model_name: 'reuse',
    providers: [{
      provider_id: 'mock',
      models: [
        { name: 'fault-500', weight: 1, context_size: 2000, condense_context: 50, condense_method: 'conversational' },
        { name: 'conv-model', weight: 0 },
      ],
    }],
  },
  refused: {
    model_name: 'refused',
    providers: [{ provider_id: 'mock', models: [{ name: 'tiny-model', weight: 1 }] }],
  },
};

// An Anthropic upstream (the mock speaks both) whose model condenses locally.
const anthropicProvider = (mockUrl) => typedProvider('anthropic', mockUrl, {
  id: 'anth', models: [model('anth-model', { context_size: 2000, condense_context: 50, condense_method: 'sliding_window' })],
});

function writeProviders(dir, mockUrl, condensationModel) {
  const providers = { mock: mockProvider(mockUrl, { models: models() }), anth: anthropicProvider(mockUrl) };
  const condensation = { provider_id: 'mock', model: condensationModel, enabled: true };
  fs.writeFileSync(path.join(dir, 'providers.json'), JSON.stringify({ providers, condensation }, null, 2));
}


const bodyOf = (record) => JSON.parse(record.body);

// The usage rows so far (the recorder's queue flushed first), as objects.
async function usageRows(s) {
  const flushed = await post(s.u('/api/admin/usage/flush'), undefined);
  assert.equal(flushed.status, 200, flushed.text);
  const r = await get(s.u('/api/admin/usage?format=csv&from=0'));
  assert.equal(r.status, 200, r.text);
  const [header, ...lines] = r.text.trim().split('\r\n').map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}
const textOf = (content) => (typeof content === 'string' ? content : content.map((p) => p.text ?? '').join(''));

describe('condensation', { timeout: 90000 }, () => {
  let s;
  before(async () => {
    s = await startStack({ providers: (url) => ({ mock: mockProvider(url, { models: models() }) }), rotations: ROTATIONS });
    writeProviders(s.configDir, s.mock.url, CONDENSER);
    const r = await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const promptFile = (name) => path.join(s.configDir, `condensation_${name}.md`);
  const reload = async () => {
    const r = await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    assert.equal(r.status, 200, r.text);
  };
  // The prompt files are read into the snapshot: an edit counts from the next reload.
  const writePrompt = async (name, text) => { fs.writeFileSync(promptFile(name), text); await reload(); };
  const upstreamFor = async (name) => (await s.mock.chatRequests()).filter((q) => bodyOf(q).model === name);

  it('first start writes both prompt files with their built-in text', () => {
    assert.match(fs.readFileSync(promptFile('conversational'), 'utf8'), /^# Conversation condensation/);
    assert.match(fs.readFileSync(promptFile('semantic'), 'utf8'), /^# Semantic condensation/);
  });

  it('conversational: the edited prompt file is sent, the upstream gets the summary, the header says so', async () => {
    await writePrompt('conversational', 'MARKER-CONV-1 condense this');
    const messages = colourConversation(10);
    const res = await post(s.u(CHAT), { model: 'mock/conv-model', messages });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().choices[0].message.content, 'You said: What was the third colour?');
    const [, methods, before, after] = res.headers['x-aisbf-condensed'].match(HEADER);
    assert.equal(methods, 'conversational');
    assert.ok(Number(before) >= 1000 && Number(after) < Number(before) * 0.75, `${before} → ${after}`);

    const [ask] = await upstreamFor(CONDENSER);
    const asked = bodyOf(ask).messages;
    assert.equal(asked[0].role, 'system');
    assert.equal(textOf(asked[0].content), 'MARKER-CONV-1 condense this');
    assert.match(textOf(asked[1].content), /Remember list 0: /);  // the older turns
    assert.doesNotMatch(textOf(asked[1].content), /third colour/);  // not the last question

    const [sent] = await upstreamFor('conv-model');
    const got = bodyOf(sent).messages;
    assert.equal(got.length, 3, JSON.stringify(got).slice(0, 500));
    assert.deepEqual(got[0], messages[0]);  // the system prompt as sent
    assert.match(textOf(got[1].content), /^\[Summary of the earlier conversation[^\n]*\n\nYou said: Condense/);
    assert.equal(textOf(got[2].content), 'What was the third colour?');

    // The condensation call is a usage row of its own, beside the request's.
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until; await delay(20)) {
      rows = await usageRows(s);
      if (rows.some((r) => r.route === 'chat')) break;
    }
    const condensed = rows.filter((r) => r.route === 'condensation');
    assert.equal(condensed.length, 1, JSON.stringify(rows));
    assert.equal(condensed[0].requested_model, `mock/${CONDENSER}`);
    assert.equal(condensed[0].model, CONDENSER);
    assert.equal(condensed[0].status, '200');
    assert.ok(Number(condensed[0].prompt_tokens) > 0, JSON.stringify(condensed[0]));
    assert.equal(rows.filter((r) => r.route === 'chat' && r.model === 'conv-model').length, 1, JSON.stringify(rows));
  });

  it('semantic: its own prompt file, the current request quoted, streamed', async () => {
    await writePrompt('semantic', 'MARKER-SEM-2 keep what matters');
    const res = await stream(s.u(CHAT), { model: 'mock/sem-model', messages: colourConversation(10), stream: true });
    assert.equal(res.status, 200, res.raw);
    assert.equal(contentOf(res.events), 'You said: What was the third colour?');
    assert.match(res.headers['x-aisbf-condensed'], /^methods=semantic; /);
    const [ask] = await upstreamFor(CONDENSER);
    const asked = bodyOf(ask).messages;
    assert.equal(textOf(asked[0].content), 'MARKER-SEM-2 keep what matters');
    assert.match(textOf(asked.at(-1).content), /<request>\nWhat was the third colour\?\n<\/request>/);
    const [sent] = await upstreamFor('sem-model');
    assert.equal(bodyOf(sent).messages.length, 3);
  });

  it('a prompt file is read at reload, not per request; an admin API edit applies at once', async () => {
    const asked = async () => {
      const res = await post(s.u(CHAT), { model: 'mock/conv-model', messages: colourConversation(10) });
      assert.equal(res.status, 200, res.text);
      const asks = await upstreamFor(CONDENSER);
      await s.mock.reset();
      assert.equal(asks.length, 1);
      return textOf(bodyOf(asks[0]).messages[0].content);
    };
    await writePrompt('conversational', 'MARKER-RELOAD-A');
    assert.equal(await asked(), 'MARKER-RELOAD-A');
    fs.writeFileSync(promptFile('conversational'), 'MARKER-RELOAD-B');  // no reload yet: the snapshot's text
    assert.equal(await asked(), 'MARKER-RELOAD-A');
    fs.rmSync(promptFile('conversational'));  // gone: still no file read on the request path
    assert.equal(await asked(), 'MARKER-RELOAD-A');
    await reload();  // a missing file is the built-in text
    assert.match(await asked(), /^# Conversation condensation/);
    const put = await request(s.u('/api/admin/prompts/condensation_conversational'),
      { method: 'PUT', body: { content: 'MARKER-RELOAD-C' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(await asked(), 'MARKER-RELOAD-C');
    assert.equal(fs.readFileSync(promptFile('conversational'), 'utf8'), 'MARKER-RELOAD-C');
  });

  it('Anthropic ingress, streamed and not: condensed, with the header', async () => {
    const messages = colourConversation(10).slice(1);
    const headers = { 'anthropic-version': ANTHROPIC_VERSION };
    const body = { model: 'mock/conv-model', max_tokens: 200, system: 'You are a careful assistant.', messages };
    const res = await post(s.u(MESSAGES), body, { headers });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().content[0].text, 'You said: What was the third colour?');
    assert.match(res.headers['x-aisbf-condensed'], /^methods=conversational; /);
    const streamed = await stream(s.u(MESSAGES), { ...body, stream: true }, { headers });
    assert.equal(streamed.status, 200, streamed.raw);
    assert.match(streamed.headers['x-aisbf-condensed'], /^methods=conversational; /);
    assert.match(streamed.raw, /event: message_stop/);
    for (const sent of await upstreamFor('conv-model')) assert.equal(bodyOf(sent).messages.length, 3);
  });

  // PROTOCOLS.md §2.2: cache_control may sit on system blocks, message
  // blocks and tool definitions. The system prompt and the last turn are
  // never altered by condensation, so their marks must reach the upstream.
  it('Anthropic client to an Anthropic upstream, condensed: its protocol headers and cache marks go on', async () => {
    const messages = colourConversation(8).slice(1);
    const mark = { type: 'ephemeral', ttl: '1h' };
    const body = {
      model: 'anth/anth-model', max_tokens: 200,
      system: [{ type: 'text', text: 'You are a careful assistant.', cache_control: mark }],
      tools: [{ name: 'lookup', description: 'Looks a colour up', input_schema: { type: 'object', properties: {} },
        cache_control: { type: 'ephemeral' } }],
      messages: [...messages.slice(0, -1),
        { role: 'user', content: [{ type: 'text', text: messages.at(-1).content, cache_control: mark }] }],
    };
    const headers = { 'anthropic-version': '2023-01-01', 'anthropic-beta': 'extended-cache-ttl-2025-04-11,test-beta-1' };
    for (const streamed of [false, true]) {
      await s.mock.reset();
      const res = streamed ? await stream(s.u(MESSAGES), { ...body, stream: true }, { headers })
        : await post(s.u(MESSAGES), body, { headers });
      assert.equal(res.status, 200, res.text ?? res.raw);
      assert.match(res.headers['x-aisbf-condensed'] ?? '', /^methods=sliding_window; /);
      const sent = (await s.mock.requests()).filter((q) => /^\/v1\/messages/.test(q.path));
      assert.equal(sent.length, 1);
      assert.equal(sent[0].headers['anthropic-version'], '2023-01-01');
      assert.equal(sent[0].headers['anthropic-beta'], 'extended-cache-ttl-2025-04-11,test-beta-1');
      const got = bodyOf(sent[0]);
      assert.ok(got.messages.length < body.messages.length, `${got.messages.length} messages`);
      assert.deepEqual(got.system, body.system);
      assert.deepEqual(got.messages.at(-1).content.at(-1), body.messages.at(-1).content[0]);
      assert.deepEqual(got.tools[0].cache_control, { type: 'ephemeral' });
    }
  });

  it('below the threshold nothing is condensed and the body goes through as sent', async () => {
    const res = await post(s.u(CHAT), { model: 'mock/conv-model', messages: colourConversation(2) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-aisbf-condensed'], undefined);
    assert.equal((await upstreamFor(CONDENSER)).length, 0);
    assert.equal(bodyOf((await upstreamFor('conv-model'))[0]).messages.length, 6);
  });

  // The cheap check bounds prompt + max_tokens, not the prompt alone: a
  // prompt far below the threshold but with max_tokens near context_size.
  it('a small prompt with a large max_tokens: condensed exactly when the two exceed context_size', async () => {
    // Under 1,000 bytes: the byte bound alone stays below the threshold (1,000 tokens).
    const messages = [{ role: 'system', content: 'Be brief.' }];
    for (let i = 0; i < 4; i++) {
      messages.push({ role: 'user', content: `Remember list ${i}: ${COLOURS.slice(i, i + 6).join(' ')}` });
      messages.push({ role: 'assistant', content: `Noted list ${i}.` });
    }
    messages.push({ role: 'user', content: 'What was the third colour?' });
    assert.ok(JSON.stringify({ model: 'mock/local-sliding_window', max_tokens: 2000, messages }).length < 1000);
    const target = 'mock/local-sliding_window';
    const counted = await post(s.u('/api/v1/tokenize'), { model: target, messages });
    assert.equal(counted.status, 200, counted.text);
    const n = counted.json().tokens;
    assert.ok(n < 1000, `${n} tokens: below the threshold`);
    for (const [body, path_] of [
      [(m) => ({ model: target, max_tokens: m, messages }), CHAT],
      [(m) => ({ model: target, max_completion_tokens: m, messages }), CHAT],
      [(m) => ({ model: target, max_tokens: m, system: messages[0].content, messages: messages.slice(1) }), MESSAGES],
    ]) {
      const headers = path_ === MESSAGES ? { 'anthropic-version': ANTHROPIC_VERSION } : {};
      await s.mock.reset();
      const fits = await post(s.u(path_), body(2000 - n), { headers });
      assert.equal(fits.status, 200, fits.text);
      assert.equal(fits.headers['x-aisbf-condensed'], undefined);
      const asSent = bodyOf((await upstreamFor('local-sliding_window'))[0]).messages;
      assert.equal(asSent.length, messages.length);
      await s.mock.reset();
      const over = await post(s.u(path_), body(2001 - n), { headers });
      assert.equal(over.status, 200, over.text);
      const m = HEADER.exec(over.headers['x-aisbf-condensed'] ?? '');
      assert.ok(m, `x-aisbf-condensed: ${over.headers['x-aisbf-condensed']}`);
      assert.equal(m[1], 'sliding_window');
      assert.equal(Number(m[2]), n);
      assert.ok(Number(m[3]) <= n - 1);
      const condensed = bodyOf((await upstreamFor('local-sliding_window'))[0]).messages;
      assert.ok(JSON.stringify(condensed).length < JSON.stringify(asSent).length);  // a unit gave way to a marker
      assert.deepEqual(condensed.at(-1), asSent.at(-1));
    }
  });

  it('a request nothing can fit: 400 context_length_exceeded, no upstream chat for the model', async () => {
    const last = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');  // alone above 300 tokens
    const res = await post(s.u(CHAT), { model: 'mock/tiny-model', max_tokens: 50, messages: colourConversation(3, last) });
    const e = assertError(res, 400, 'context_length_exceeded');
    assert.equal(e.param, 'messages');
    const m = e.message.match(/maximum context length is 300 tokens\. However, you requested (\d+) tokens \((\d+) in the messages, 50 in the completion\)/);
    assert.ok(m, e.message);
    assert.equal(Number(m[1]), Number(m[2]) + 50);
    assert.equal((await upstreamFor('tiny-model')).length, 0);
    assert.equal((await upstreamFor(CONDENSER)).length, 1);  // conversational was tried first

    const anthropic = await post(s.u(MESSAGES), { model: 'mock/tiny-model', max_tokens: 50, messages: colourConversation(3, last).slice(1) },
      { headers: { 'anthropic-version': ANTHROPIC_VERSION } });
    assert.equal(anthropic.status, 400, anthropic.text);
    assert.equal(anthropic.json().type, 'error');
    assert.equal(anthropic.json().error.type, 'invalid_request_error');
    assert.match(anthropic.json().error.message, /maximum context length is 300 tokens/);
    assert.equal((await upstreamFor('tiny-model')).length, 0);
  });

  it('a rotation condenses once for candidates of the same settings, and refuses when none fits', async () => {
    const res = await post(s.u(CHAT), { model: 'rotation/reuse', messages: colourConversation(10) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-aisbf-target'], 'mock/conv-model');
    assert.match(res.headers['x-aisbf-condensed'], /^methods=conversational; /);
    assert.equal((await upstreamFor(CONDENSER)).length, 1);
    for (const name of ['fault-500', 'conv-model']) {
      const sent = await upstreamFor(name);
      assert.equal(sent.length, 1, name);
      assert.equal(bodyOf(sent[0]).messages.length, 3, name);
    }
    await s.mock.reset();
    const last = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const refused = await post(s.u(CHAT), { model: 'rotation/refused', messages: colourConversation(3, last) });
    const e = assertError(refused, 400, 'context_length_exceeded');
    assert.match(e.message, /maximum context length is 300 tokens/);
    assert.equal((await upstreamFor('tiny-model')).length, 0);
  });

  it('a condensation call past timeout_seconds gives way to the next method', async () => {
    const aisbfPath = path.join(s.configDir, 'aisbf.json');
    const original = fs.readFileSync(aisbfPath, 'utf8');
    const reload = () => request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    fs.writeFileSync(aisbfPath, JSON.stringify({
      ...JSON.parse(original), feature_controls: { context_condensation: { timeout_seconds: 0.3 } },
    }));
    writeProviders(s.configDir, s.mock.url, 'fault-slow-5000');
    assert.equal((await reload()).status, 200);
    try {
      const messages = colourConversation(8);
      const res = await post(s.u(CHAT), { model: 'mock/chain-model', messages }, { timeoutMs: 10000 });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-aisbf-condensed'], undefined);
      assert.equal((await upstreamFor('fault-slow-5000')).length, 2);  // conversational, then semantic
      assert.equal(bodyOf((await upstreamFor('chain-model'))[0]).messages.length, messages.length);
      const rows = (await usageRows(s)).filter((r) => r.route === 'condensation' && r.model === 'fault-slow-5000');
      assert.deepEqual(rows.map((r) => r.status), ['504', '504']);
    } finally {
      fs.writeFileSync(aisbfPath, original);
      writeProviders(s.configDir, s.mock.url, CONDENSER);
      assert.equal((await reload()).status, 200);
    }
  });

  // The local methods through the binary: each shrinks the conversation
  // (the last list repeated, so that algorithmic finds duplicates), keeps
  // the system prompt and the last question, and asks no model.
  for (const method of LOCAL_METHODS) {
    it(`${method}: condensed locally before the upstream call`, async () => {
      const messages = colourConversation(8);
      messages.splice(-1, 0, ...messages.slice(-3, -1), ...messages.slice(-3, -1));
      const res = await post(s.u(CHAT), { model: `mock/local-${method}`, messages });
      assert.equal(res.status, 200, res.text);
      const m = HEADER.exec(res.headers['x-aisbf-condensed'] ?? '');
      assert.ok(m, `x-aisbf-condensed: ${res.headers['x-aisbf-condensed']}`);
      assert.equal(m[1], method);
      assert.ok(Number(m[3]) < Number(m[2]), res.headers['x-aisbf-condensed']);
      assert.equal((await upstreamFor(CONDENSER)).length, 0);
      const [sent] = await upstreamFor(`local-${method}`);
      const got = bodyOf(sent).messages;
      assert.ok(got.length <= messages.length);
      assert.deepEqual(got[0], messages[0]);
      assert.equal(textOf(got.at(-1).content), messages.at(-1).content);
    });
  }

  it('a failing condensation model gives way to the local method after it', async () => {
    writeProviders(s.configDir, s.mock.url, 'fault-500');
    assert.equal((await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } })).status, 200);
    try {
      const messages = colourConversation(8);
      const res = await post(s.u(CHAT), { model: 'mock/fallback-model', messages });
      assert.equal(res.status, 200, res.text);
      const m = HEADER.exec(res.headers['x-aisbf-condensed'] ?? '');
      assert.ok(m, `x-aisbf-condensed: ${res.headers['x-aisbf-condensed']}`);
      assert.equal(m[1], 'sliding_window');
      assert.equal((await upstreamFor('fault-500')).length, 1);
      const [sent] = await upstreamFor('fallback-model');
      assert.ok(bodyOf(sent).messages.length < messages.length);
    } finally {
      writeProviders(s.configDir, s.mock.url, CONDENSER);
      await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    }
  });

  it('a failing condensation model: each method in turn, then the request as it was (it still fits)', async () => {
    writeProviders(s.configDir, s.mock.url, 'fault-500');
    const r = await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    assert.equal(r.status, 200, r.text);
    try {
      fs.writeFileSync(promptFile('conversational'), 'MARKER-CONV-3');
      await writePrompt('semantic', 'MARKER-SEM-3');
      const messages = colourConversation(8);
      const res = await post(s.u(CHAT), { model: 'mock/chain-model', messages });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-aisbf-condensed'], undefined);
      const asks = await upstreamFor('fault-500');
      assert.deepEqual(asks.map((q) => textOf(bodyOf(q).messages[0].content)), ['MARKER-CONV-3', 'MARKER-SEM-3']);
      const [sent] = await upstreamFor('chain-model');
      assert.equal(bodyOf(sent).messages.length, messages.length);
    } finally {
      writeProviders(s.configDir, s.mock.url, CONDENSER);
      await request(s.u('/api/admin/reload'), { method: 'POST', headers: { 'content-length': '0' } });
    }
  });
});
