// OpenAI Responses ingress (POST /v1/responses and its aliases) on the
// translating path: built-in tools dropped and named in x-aisbf-dropped-tools
// (a 400 when tool_choice requires one), invalid input items refused with a
// 400 before anything goes upstream, every route of the family, a rotation,
// and the raw event stream's sequence numbers.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, typedProviders, post, stream, assertError, upstreamChatRequests } from './harness.mjs';

const BUILT_INS = [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'web_search' }];
const FUNCTION = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

describe('responses ingress', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => typedProviders(u, ['openai', 'anthropic']),
      rotations: {
        both: { providers: [
          { provider_id: 'anthropic', models: [{ name: 'fault-500', weight: 10 }] },
          { provider_id: 'openai', models: [{ name: 'mock-model', weight: 1 }] },
        ] },
      },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('built-in tools are dropped and named once each in x-aisbf-dropped-tools', async () => {
    const r = await post(s.u('/v1/responses'), {
      model: 'anthropic/mock-model', input: 'what is the get_weather in Paris', tools: [...BUILT_INS, FUNCTION],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-dropped-tools'], 'web_search,file_search');
    const [q] = await upstreamChatRequests(s.mock);
    const tools = JSON.parse(q.body).tools;
    assert.deepEqual(tools.map((t) => t.name), ['get_weather']);
    assert.equal(r.json().output[0].type, 'function_call');
  });

  it('no header when nothing was dropped', async () => {
    const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', input: 'hi', tools: [FUNCTION] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-dropped-tools'], undefined);
  });

  it('a tool_choice that requires a dropped tool is a 400, nothing sent upstream', async () => {
    for (const tool_choice of [{ type: 'web_search' }, 'required']) {
      const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', input: 'hi', tools: BUILT_INS, tool_choice });
      const e = assertError(r, 400);
      assert.equal(e.param, 'tool_choice', r.text);
    }
    assert.equal((await upstreamChatRequests(s.mock)).length, 0);
  });

  it('invalid input items are 400s naming the item, nothing sent upstream', async () => {
    const cases = [
      [[{ type: 'bogus' }], 'input[0].type'],
      [[{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }], 'input[1].role'],
      [[{ role: 'user', content: [{ type: 'input_text' }] }], 'input[0].content[0].text'],
      [[{ type: 'function_call', name: 'f', arguments: '{}' }], 'input[0].call_id'],
      [[{ type: 'function_call_output', call_id: 'nowhere', output: 'x' }], 'input'],
      [7, 'input'],
    ];
    for (const [input, param] of cases) {
      const r = await post(s.u('/v1/responses'), { model: 'anthropic/mock-model', input });
      const e = assertError(r, 400);
      assert.equal(e.param, param, r.text);
    }
    const r = await post(s.u('/v1/responses'), { model: 'openai/mock-model', input: 'x', previous_response_id: 'resp_1' });
    assert.equal(assertError(r, 400).param, 'previous_response_id');
    assert.equal((await upstreamChatRequests(s.mock)).length, 0);
  });

  it('every route of the family answers, and a rotation fails over', async () => {
    for (const [path, model] of [
      ['/api/v1/responses', 'openai/mock-model'],
      ['/api/anthropic/v1/responses', 'mock-model'],
      ['/v1/responses', 'rotation/both'],
    ]) {
      const r = await post(s.u(path), { model, input: `via ${path}` });
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.equal(r.json().output[0].content[0].text, `You said: via ${path}`);
      assert.equal(r.json().model, model);
    }
  });

  it('a raw stream: event names equal types, sequence numbers from 0, no [DONE]', async () => {
    const r = await stream(s.u('/v1/responses'), { model: 'anthropic/mock-model', input: 'stream me please', stream: true });
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /text\/event-stream/);
    const events = r.events.map((e) => ({ name: e.event, data: JSON.parse(e.data) }));
    events.forEach((e, i) => {
      assert.equal(e.name, e.data.type);
      assert.equal(e.data.sequence_number, i);
    });
    assert.equal(events[0].name, 'response.created');
    assert.equal(events.at(-1).name, 'response.completed');
    assert.ok(!r.raw.includes('[DONE]'));
    const text = events.filter((e) => e.name === 'response.output_text.delta').map((e) => e.data.delta).join('');
    assert.equal(text, 'You said: stream me please');
  });

  it('an upstream failure mid-stream ends with error, then response.failed', async () => {
    const r = await stream(s.u('/v1/responses'), { model: 'anthropic/fault-stream-error', input: 'break this stream please', stream: true });
    assert.equal(r.status, 200, r.text);
    const events = r.events.map((e) => JSON.parse(e.data));
    events.forEach((e, i) => assert.equal(e.sequence_number, i));
    assert.deepEqual(events.slice(-2).map((e) => e.type), ['error', 'response.failed']);
    const [error, failed] = events.slice(-2);
    assert.match(error.message, /mock mid-stream failure/);
    assert.equal(failed.response.status, 'failed');
    assert.equal(failed.response.error.message, error.message);
  });
});
