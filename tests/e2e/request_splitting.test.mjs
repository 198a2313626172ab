// Request splitting (max_request_tokens) through the real binary with the
// official openai SDK: a request over the model's limit goes upstream in
// chunks, each within the limit and each with the system prompt, and comes
// back as one answer (streamed: one stream, one [DONE]) with the chunks'
// texts in order, their usage summed and `aisbf_chunked`; a tool call ends
// the split; what cannot be split is a 400 before any upstream call.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSdkStack, mockProvider, model, post, stream, eventJson, anthropicTextOf, WEATHER_TOOL, ANTHROPIC_VERSION,
} from './common.mjs';
import { typedProvider } from '../integration/harness.mjs';

const LIMIT = 260;
const MAX_CHUNKS = 4;
const SYSTEM = 'You are terse.';
const WORDS = ['river', 'stone', 'cloud', 'market', 'signal', 'garden', 'engine', 'paper', 'window', 'silver',
  'orange', 'forest', 'letter', 'bridge', 'planet', 'candle', 'mirror', 'harbor', 'ticket', 'winter'];

// About 150 tokens: two never fit one chunk beside the system prompt.
function words(tag, n = 145) {
  const out = [`${tag}:`];
  for (let i = 0; i < n; i++) out.push(WORDS[(i * 7 + tag.length * 3 + i * i) % WORDS.length]);
  return out.join(' ');
}
const A = words('Alpha');
const B = words('Bravo');
const C = words('Charlie');
const SMALL_CONTEXT = { context_size: 400, condense_context: 50, condense_method: 'algorithmic' };
const conversation = (...texts) => [{ role: 'system', content: SYSTEM }, ...texts.map((t) => ({ role: 'user', content: t }))];
const wordCount = (s) => s.split(/\s+/).filter(Boolean).length;

describe('openai sdk: request splitting', { timeout: 90000 }, () => {
  let s;
  let client;
  const upstream = async () => (await s.mock.chatRequests()).map((q) => JSON.parse(q.body));
  const tokens = async (body) => {
    const r = await post(s.u('/api/v1/tokenize'), { model: 'mock/mock-model', messages: body.messages, tools: body.tools });
    assert.equal(r.status, 200, r.text);
    return r.json().tokens;
  };
  // Every chunk within the limit, the system prompt first in each.
  const assertChunks = async (bodies, n) => {
    assert.equal(bodies.length, n, JSON.stringify(bodies.map((b) => b.messages.length)));
    for (const body of bodies) {
      assert.deepEqual(body.messages[0], { role: 'system', content: SYSTEM });
      assert.ok(await tokens(body) <= LIMIT, `a chunk of ${await tokens(body)} tokens`);
    }
  };

  before(async () => {
    s = await startSdkStack({
      providers: (url) => ({
        mock: mockProvider(url, { models: [model('mock-model', { max_request_tokens: LIMIT })] }),
        anth: typedProvider('anthropic', url, { id: 'anth', models: [model('anth-model', { max_request_tokens: LIMIT })] }),
        // Condensation that cannot make A, B and C fit 400 tokens (algorithmic
        // finds nothing to drop), beside a limit whose chunks do fit.
        both: mockProvider(url, { id: 'both', models: [model('mock-model', { max_request_tokens: LIMIT, ...SMALL_CONTEXT })] }),
        small: mockProvider(url, { id: 'small', models: [model('mock-model', SMALL_CONTEXT)] }),
      }),
      rotations: {
        split: { model_name: 'split', providers: [{ provider_id: 'mock', models: [{ name: 'mock-model', weight: 1 }] }] },
        mixed: { model_name: 'mixed', providers: [
          { provider_id: 'mock', models: [{ name: 'mock-model', weight: 1 }] },
          { provider_id: 'small', models: [{ name: 'mock-model', weight: 1 }] },
        ] },
      },
      aisbf: { feature_controls: { request_splitting: { overlap_tokens: 20, max_chunks: MAX_CHUNKS } } },
    });
    client = s.client();
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('not streamed: one answer joining every chunk\'s, usage summed, marked', async () => {
    const { data: r, response } = await client.chat.completions
      .create({ model: 'mock/mock-model', messages: conversation(A, B, C) }).withResponse();
    assert.equal(response.headers.get('x-aisbf-chunked'), '3');
    assert.equal(r.choices[0].message.content, [A, B, C].map((t) => `You said: ${t}`).join('\n\n'));
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.aisbf_chunked, true);
    assert.equal(r.aisbf_chunks, 3);
    const bodies = await upstream();
    await assertChunks(bodies, 3);
    assert.deepEqual(bodies.map((b) => b.messages.at(-1).content), [A, B, C]);
    // The mock counts words: the sums of what it was sent and what it said.
    const prompt = bodies.reduce((n, b) => n + b.messages.reduce((m, x) => m + wordCount(x.content), 0), 0);
    const completion = [A, B, C].reduce((n, t) => n + wordCount(`You said: ${t}`), 0);
    assert.equal(r.usage.prompt_tokens, prompt);
    assert.equal(r.usage.completion_tokens, completion);
    assert.equal(r.usage.total_tokens, prompt + completion);
  });

  it('streamed: one stream with every chunk\'s text, one finish, one usage, one [DONE]', async () => {
    const chunks = [];
    const sdkStream = await client.chat.completions.create({
      model: 'mock/mock-model', messages: conversation(A, B, C), stream: true, stream_options: { include_usage: true },
    });
    for await (const chunk of sdkStream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, [A, B, C].map((t) => `You said: ${t}`).join('\n\n'));
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finishes.length, 1);
    assert.equal(finishes[0].choices[0].finish_reason, 'stop');
    assert.equal(finishes[0].aisbf_chunked, true);
    assert.equal(finishes[0].aisbf_chunks, 3);
    const usages = chunks.filter((c) => c.usage);
    assert.equal(usages.length, 1);
    assert.equal(usages[0].aisbf_chunks, 3);
    const bodies = await upstream();
    await assertChunks(bodies, 3);
    const prompt = bodies.reduce((n, b) => n + b.messages.reduce((m, x) => m + wordCount(x.content), 0), 0);
    assert.equal(usages[0].usage.prompt_tokens, prompt);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);

    // The raw stream: exactly one [DONE], at the end.
    await s.mock.reset();
    const raw = await stream(s.u('/api/v1/chat/completions'), { model: 'mock/mock-model', messages: conversation(A, B, C), stream: true });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['x-aisbf-chunked'], '3');
    assert.equal(raw.events.filter((e) => e.data === '[DONE]').length, 1);
    assert.equal(raw.events.at(-1).data, '[DONE]');
    assert.equal(eventJson(raw.events).filter((c) => c.choices[0]?.finish_reason).length, 1);
    assert.equal((await upstream()).length, 3);
  });

  it('a long message is cut with an overlap, every piece within the limit', async () => {
    const long = [words('One'), words('Two'), words('Three')].join('\n\n');
    const r = await client.chat.completions.create({ model: 'mock/mock-model', messages: conversation(long) });
    const bodies = await upstream();
    assert.ok(bodies.length >= 3 && bodies.length <= MAX_CHUNKS, `${bodies.length} chunks`);
    await assertChunks(bodies, bodies.length);
    assert.equal(r.aisbf_chunks, bodies.length);
    // Each piece after the first starts with the end of the one before.
    const pieces = bodies.map((b) => b.messages[1].content);
    for (let i = 1; i < pieces.length; i++) {
      const head = pieces[i].split(' ').slice(0, 3).join(' ');
      assert.ok(pieces[i - 1].includes(head), `piece ${i} does not overlap the one before: ${head}`);
    }
    assert.ok(pieces[0].startsWith('One:') && pieces.at(-1).endsWith(long.slice(-40)));
  });

  it('a tool call in chunk 2 of 3 ends the split there and is returned', async () => {
    const asks = `${B} get_weather`;
    const r = await client.chat.completions.create({
      model: 'mock/mock-model', messages: conversation(A, asks, C), tools: [WEATHER_TOOL],
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
    assert.equal(choice.message.content, `You said: ${A}`);
    assert.equal(r.aisbf_chunks, 2);
    const bodies = await upstream();
    await assertChunks(bodies, 2);
    for (const body of bodies) assert.equal(body.tools.length, 1);
  });

  it('what cannot be split is a 400 before any upstream call', async () => {
    const tooBigToolUnit = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'read it' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: `${A} ${B}` },
    ];
    const unit = await post(s.u('/api/v1/chat/completions'), { model: 'mock/mock-model', messages: tooBigToolUnit, tools: [WEATHER_TOOL] });
    assert.equal(unit.status, 400, unit.text);
    assert.equal(unit.json().error.code, 'request_too_large');
    assert.match(unit.json().error.message, /tool call with its results/);

    const tooMany = conversation(A, B, C, words('Delta'), words('Echo'));
    await assert.rejects(client.chat.completions.create({ model: 'mock/mock-model', messages: tooMany }), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'request_too_large');
      assert.match(err.message, new RegExp(`more than ${MAX_CHUNKS} chunks of at most ${LIMIT} tokens.*max_chunks is ${MAX_CHUNKS}`));
      return true;
    });
    // A rotation whose every candidate cannot split it answers the same 400.
    const viaRotation = await post(s.u('/api/v1/chat/completions'), { model: 'rotation/split', messages: tooMany });
    assert.equal(viaRotation.status, 400, viaRotation.text);
    assert.equal(viaRotation.json().error.code, 'request_too_large');
    assert.equal((await upstream()).length, 0);
  });

  it('a request that condensation cannot fit is split when its chunks fit', async () => {
    // No two alike: algorithmic condensation has nothing to drop.
    const unique = (tag) => Array.from({ length: 70 }, (_, i) => `${tag}${i}`).join(' ');
    const texts = [unique('Alpha'), unique('Bravo'), unique('Charlie')];
    assert.ok(await tokens({ messages: conversation(...texts) }) > SMALL_CONTEXT.context_size);
    const { data: r, response } = await client.chat.completions
      .create({ model: 'both/mock-model', messages: conversation(...texts) }).withResponse();
    assert.equal(response.headers.get('x-aisbf-condensed'), null);
    assert.equal(response.headers.get('x-aisbf-chunked'), '3');
    assert.equal(r.aisbf_chunks, 3);
    assert.equal(r.choices[0].message.content, texts.map((t) => `You said: ${t}`).join('\n\n'));
    await assertChunks(await upstream(), 3);
  });

  it('a rotation whose candidates refuse the size each their own way answers a 400', async () => {
    // One candidate cannot split it into MAX_CHUNKS, the other cannot condense it into 400 tokens.
    const tooMany = conversation(A, B, C, words('Delta'), words('Echo'));
    const r = await post(s.u('/api/v1/chat/completions'), { model: 'rotation/mixed', messages: tooMany });
    assert.equal(r.status, 400, r.text);
    assert.ok(['request_too_large', 'context_length_exceeded'].includes(r.json().error.code), r.text);
    assert.equal((await upstream()).length, 0);
  });

  it('a request within the limit is not split', async () => {
    const { data: r, response } = await client.chat.completions
      .create({ model: 'mock/mock-model', messages: conversation(A) }).withResponse();
    assert.equal(r.choices[0].message.content, `You said: ${A}`);
    assert.equal(r.aisbf_chunked, undefined);
    assert.equal(response.headers.get('x-aisbf-chunked'), null);
    assert.equal((await upstream()).length, 1);
  });

  it('an Anthropic client\'s split stream ends with one message_stop', async () => {
    const res = await stream(s.u('/v1/messages'), {
      model: 'mock/mock-model', max_tokens: 256, stream: true, system: SYSTEM,
      messages: [A, B, C].map((t) => ({ role: 'user', content: t })),
    }, { headers: { 'anthropic-version': ANTHROPIC_VERSION, 'x-api-key': 'any-key' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.events.filter((e) => e.event === 'message_stop').length, 1);
    assert.equal(res.events.at(-1).event, 'message_stop');
    assert.equal(res.events.filter((e) => e.event === 'message_start').length, 1);
    const deltas = res.events.filter((e) => e.event === 'message_delta').map((e) => JSON.parse(e.data));
    assert.equal(deltas.length, 1);
    assert.equal(deltas[0].aisbf_chunks, 3);
    assert.equal(anthropicTextOf(res.events), [A, B, C].map((t) => `You said: ${t}`).join('\n\n'));
    await assertChunks(await upstream(), 3);
  });

  it('an Anthropic client split to an Anthropic upstream keeps its protocol headers on every chunk', async () => {
    const headers = { 'anthropic-version': '2023-01-01', 'anthropic-beta': 'test-beta-1', 'x-api-key': 'any-key' };
    const res = await post(s.u('/v1/messages'), {
      model: 'anth/anth-model', max_tokens: 256, system: SYSTEM,
      messages: [A, B, C].map((t) => ({ role: 'user', content: t })),
    }, { headers });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().aisbf_chunks, 3);
    const sent = (await s.mock.requests()).filter((q) => /^\/v1\/messages/.test(q.path));
    assert.equal(sent.length, 3);
    for (const q of sent) {
      assert.equal(q.headers['anthropic-version'], '2023-01-01');
      assert.equal(q.headers['anthropic-beta'], 'test-beta-1');
    }
  });
});
