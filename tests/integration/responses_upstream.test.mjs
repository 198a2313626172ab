// Responses-only providers upstream (issue 14): `type: "openai"` with
// `"api": "responses"` and the `codex` type call `POST {endpoint}/responses`.
// Chat and Anthropic clients reach them through translation (whole and
// streamed, tool calls, reasoning), a Responses client through passthrough
// (the body forwarded with only `model` rewritten, the answer relayed as it
// came, usage read from it), and a reasoning item's encrypted_content goes
// back to the upstream that issued it. The mock's recorder shows what the
// gateway sent.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, mockProvider, typedProvider, get, post, stream, assertError, eventJson, contentOf, MOCK_KEY, ANTHROPIC_VERSION,
} from './harness.mjs';

const WEATHER = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const ANTHROPIC_HEADERS = { 'anthropic-version': ANTHROPIC_VERSION };

async function responsesRequests(mock) {
  return (await mock.requests()).filter((q) => /\/responses(\?|$)/.test(q.path));
}

function header(q, name) {
  const h = q.headers;
  if (Array.isArray(h)) {
    const found = h.find((e) => (Array.isArray(e) ? e[0] : e.name).toLowerCase() === name);
    return found && (Array.isArray(found) ? found[1] : found.value);
  }
  for (const [k, v] of Object.entries(h ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

describe('responses-api providers upstream', { timeout: 90000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => ({
        resp: mockProvider(u, { id: 'resp', api: 'responses', models: ['mock-model', 'mock-reasoning', 'fault-stream-error', 'fault-cut'] }),
        // codex serves reasoning models only: its requests always ask for encrypted reasoning.
        codex: { ...mockProvider(u, { id: 'codex', models: ['mock-reasoning'] }), type: 'codex', api_key: MOCK_KEY },
        // The ChatGPT backend's shape: {endpoint}/codex/responses, streams only, no output cap.
        codexbe: { ...mockProvider(u, { id: 'codexbe', models: ['mock-reasoning'] }), type: 'codex', endpoint: `${u}/backend-api` },
        chat: mockProvider(u, { id: 'chat', models: ['mock-model'] }),
        anthropic: typedProvider('anthropic', u),
      }),
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a chat client reaches a Responses provider through translation: stateless body, answer in chat shape', async () => {
    const r = await post(s.u('/v1/chat/completions'), {
      model: 'resp/mock-model', max_tokens: 64,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: hello there');
    assert.equal(r.json().choices[0].finish_reason, 'stop');
    assert.ok(r.json().usage.prompt_tokens > 0);
    const qs = await responsesRequests(s.mock);
    assert.equal(qs.length, 1);
    assert.equal(qs[0].path, '/v1/responses');
    const body = JSON.parse(qs[0].body);
    assert.equal(body.model, 'mock-model');
    assert.equal(body.instructions, 'Be brief.');
    assert.deepEqual(body.input, [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello there' }] }]);
    assert.equal(body.store, false);
    // No include for a request that is not about reasoning: OpenAI answers it
    // with a 400 for a non-reasoning model (gpt-4o, gpt-4.1), as the mock does.
    assert.equal(body.include, undefined);
    assert.equal(body.max_output_tokens, 64);
    assert.equal(header(qs[0], 'authorization'), `Bearer ${MOCK_KEY}`);
  });

  it('a streamed chat request is translated event by event, with usage', async () => {
    const r = await stream(s.u('/v1/chat/completions'), {
      model: 'resp/mock-model', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream this through the responses api' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(contentOf(r.events), 'You said: stream this through the responses api');
    const chunks = eventJson(r.events);
    assert.ok(chunks.at(-1).usage.completion_tokens > 0, JSON.stringify(chunks.at(-1)));
    assert.equal(r.events.at(-1).data, '[DONE]');
    const [q] = await responsesRequests(s.mock);
    assert.equal(JSON.parse(q.body).stream, true);
  });

  it('tool calls with reasoning: summary as reasoning_content, the call as tool_calls', async () => {
    const r = await post(s.u('/v1/chat/completions'), {
      model: 'resp/mock-reasoning', reasoning_effort: 'low', tools: [WEATHER],
      messages: [{ role: 'user', content: 'what is the get_weather in Paris' }],
    });
    assert.equal(r.status, 200, r.text);
    const m = r.json().choices[0].message;
    assert.equal(r.json().choices[0].finish_reason, 'tool_calls');
    assert.equal(m.tool_calls[0].function.name, 'get_weather');
    assert.match(m.tool_calls[0].id, /^call_mock_\d+$/);
    assert.equal(m.reasoning_content, 'Considering: what is the get_weather in Paris');
    assert.equal(r.json().usage.completion_tokens_details.reasoning_tokens, 8);
    const body = JSON.parse((await responsesRequests(s.mock))[0].body);
    assert.deepEqual(body.reasoning, { effort: 'low', summary: 'auto' });
    assert.deepEqual(body.tools, [{ type: 'function', name: 'get_weather', parameters: WEATHER.function.parameters, strict: false }]);
  });

  it('an Anthropic client reaches a Responses provider, whole and streamed', async () => {
    const whole = await post(s.u('/v1/messages'), {
      model: 'resp/mock-model', max_tokens: 100, messages: [{ role: 'user', content: 'from anthropic' }],
    }, { headers: ANTHROPIC_HEADERS });
    assert.equal(whole.status, 200, whole.text);
    assert.equal(whole.json().content[0].text, 'You said: from anthropic');
    assert.equal(whole.json().stop_reason, 'end_turn');
    const streamed = await stream(s.u('/v1/messages'), {
      model: 'resp/mock-model', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'streamed from anthropic' }],
    }, { headers: ANTHROPIC_HEADERS });
    assert.equal(streamed.status, 200, streamed.text);
    const events = streamed.events.map((e) => JSON.parse(e.data));
    const text = events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join('');
    assert.equal(text, 'You said: streamed from anthropic');
    assert.equal(events.at(-1).type, 'message_stop');
    assert.equal((await responsesRequests(s.mock)).length, 2);
  });

  it('the codex type posts to {endpoint}/responses with its api_key as Bearer', async () => {
    const r = await post(s.u('/v1/chat/completions'), { model: 'codex/mock-reasoning', messages: [{ role: 'user', content: 'codex hi' }] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().choices[0].message.content, 'You said: codex hi');
    const [q] = await responsesRequests(s.mock);
    assert.equal(q.path, '/v1/responses');
    assert.equal(header(q, 'authorization'), `Bearer ${MOCK_KEY}`);
  });

  it('a Responses client passes through: body untouched but model, answer relayed, reasoning carried back', async () => {
    const sent = `{"model":"resp/mock-reasoning",  "input":[{"role":"user","content":"pass me through"}],"reasoning":{"effort":"low","summary":"auto"},"store":false,"include":["reasoning.encrypted_content"],"tools":[{"type":"web_search"}],"x_unknown":1}`;
    const r = await post(s.u('/v1/responses'), sent, { headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-dropped-tools'], undefined);  // nothing dropped on passthrough
    const out = r.json();
    assert.match(out.id, /^resp_mock_/);  // the upstream's own answer, as it came
    assert.equal(out.output[0].type, 'reasoning');
    assert.match(out.output[0].encrypted_content, /^gAAAABmock_/);
    assert.equal(out.output[1].content[0].text, 'You said: pass me through');
    const [q] = await responsesRequests(s.mock);
    assert.equal(q.body, sent.replace('"resp/mock-reasoning"', '"mock-reasoning"'));
    // The next turn carries the reasoning item back; the mock refuses one it did not issue.
    const next = {
      model: 'resp/mock-reasoning', store: false,
      input: [{ role: 'user', content: 'pass me through' }, out.output[0], { role: 'user', content: 'again' }],
    };
    const r2 = await post(s.u('/v1/responses'), next);
    assert.equal(r2.status, 200, r2.text);
    const forged = structuredClone(next);
    forged.input[1].encrypted_content = 'gAAAABforged=';
    const r3 = await post(s.u('/v1/responses'), forged);
    const e = assertError(r3, 400);
    assert.match(e.message, /could not be verified/);
  });

  it('a streamed Responses passthrough relays the upstream events as they came', async () => {
    const r = await stream(s.u('/api/resp/v1/responses'), { model: 'mock-reasoning', input: 'stream raw', stream: true, reasoning: { summary: 'auto' } });
    assert.equal(r.status, 200, r.text);
    const events = r.events.map((e) => ({ name: e.event, data: JSON.parse(e.data) }));
    events.forEach((e, i) => assert.equal(e.data.sequence_number, i));
    assert.equal(events[0].data.response.id.startsWith('resp_mock_'), true);
    assert.ok(events.some((e) => e.name === 'response.reasoning_summary_text.delta'));
    const done = events.at(-1);
    assert.equal(done.name, 'response.completed');
    assert.equal(done.data.response.output[0].type, 'reasoning');
    const [q] = await responsesRequests(s.mock);
    assert.equal(JSON.parse(q.body).model, 'mock-reasoning');
  });

  it('a relayed stream the upstream cuts ends with error and response.failed, numbered after its events', async () => {
    const r = await stream(s.u('/v1/responses'), { model: 'resp/fault-cut', input: 'a long enough answer to be cut in pieces', stream: true });
    assert.equal(r.status, 200, r.text);
    const events = r.events.map((e) => ({ name: e.event, data: JSON.parse(e.data) }));
    events.forEach((e, i) => assert.equal(e.data.sequence_number, i, e.name));
    assert.deepEqual(events.slice(-2).map((e) => e.name), ['error', 'response.failed']);
    const failed = events.at(-1).data.response;
    assert.equal(failed.id, events[0].data.response.id);  // the upstream's response, not a new one
    assert.match(failed.id, /^resp_mock_/);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error.message, /ended unexpectedly/);
  });

  it('encrypted reasoning is asked for only when the request reasons; a non-reasoning model refuses it', async () => {
    const asked = await post(s.u('/v1/chat/completions'), {
      model: 'resp/mock-reasoning', reasoning_effort: 'low', messages: [{ role: 'user', content: 'think' }],
    });
    assert.equal(asked.status, 200, asked.text);
    const [q] = await responsesRequests(s.mock);
    assert.deepEqual(JSON.parse(q.body).include, ['reasoning.encrypted_content']);
    // Passed through as sent: the mock answers as OpenAI does for gpt-4o.
    const r = await post(s.u('/v1/responses'), { model: 'resp/mock-model', input: 'hi', include: ['reasoning.encrypted_content'] });
    const e = assertError(r, 400);
    assert.match(e.message, /Encrypted content is not supported with this model\./);
  });

  it('a Responses body carrying another provider\'s signature is translated, not passed through', async () => {
    const r = await post(s.u('/v1/responses'), {
      model: 'resp/mock-model',
      input: [
        { role: 'user', content: 'first' },
        { type: 'reasoning', summary: [], encrypted_content: 'aisbf-signature:anthropic:c2lnbmF0dXJl' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'answer' }] },
        { role: 'user', content: 'second' },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().output.at(-1).content[0].text, 'You said: second');
    const [q] = await responsesRequests(s.mock);
    assert.ok(!q.body.includes('aisbf-signature'), q.body);
    assert.equal(JSON.parse(q.body).store, false);
  });

  it('codex on the ChatGPT backend: always streamed upstream without an output cap, a whole answer folded', async () => {
    const whole = await post(s.u('/v1/chat/completions'), {
      model: 'codexbe/mock-reasoning', max_tokens: 64, messages: [{ role: 'user', content: 'whole please' }],
    });
    assert.equal(whole.status, 200, whole.text);
    assert.equal(whole.json().choices[0].message.content, 'You said: whole please');
    assert.ok(whole.json().usage.completion_tokens > 0);
    const streamed = await stream(s.u('/v1/chat/completions'), {
      model: 'codexbe/mock-reasoning', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'streamed please' }],
    });
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(contentOf(streamed.events), 'You said: streamed please');
    // A Responses client: whole or capped, translated; streamed and uncapped, passed through.
    const resp = await post(s.u('/v1/responses'), { model: 'codexbe/mock-reasoning', input: 'responses whole', max_output_tokens: 64 });
    assert.equal(resp.status, 200, resp.text);
    assert.equal(resp.json().output.at(-1).content[0].text, 'You said: responses whole');
    const raw = await stream(s.u('/v1/responses'), { model: 'codexbe/mock-reasoning', input: 'responses streamed', stream: true });
    assert.equal(raw.status, 200, raw.text);
    assert.match(JSON.parse(raw.events[0].data).response.id, /^resp_mock_/);  // the upstream's own events
    const qs = await responsesRequests(s.mock);
    assert.equal(qs.length, 4);
    for (const q of qs) {
      assert.equal(q.path, '/backend-api/codex/responses');
      const body = JSON.parse(q.body);
      assert.equal(body.stream, true, q.body);
      assert.equal(body.max_output_tokens, undefined, q.body);
    }
  });

  it('the mock refuses what the ChatGPT backend refuses', async () => {
    const url = `${s.mock.url}/backend-api/codex/responses`;
    const headers = { authorization: `Bearer ${MOCK_KEY}` };
    const whole = await post(url, { model: 'mock-reasoning', input: 'x' }, { headers });
    assert.equal(whole.status, 400);
    assert.deepEqual(whole.json(), { detail: 'Stream must be set to true' });
    const capped = await post(url, { model: 'mock-reasoning', input: 'x', stream: true, max_output_tokens: 64 }, { headers });
    assert.equal(capped.status, 400);
    assert.deepEqual(capped.json(), { detail: 'Unsupported parameter: max_output_tokens' });
  });

  it('a Responses client to a chat provider is still translated, dropped tools named', async () => {
    const r = await post(s.u('/v1/responses'), { model: 'chat/mock-model', input: 'hi', tools: [{ type: 'web_search' }] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-dropped-tools'], 'web_search');
    assert.match(r.json().id, /^resp_/);
    assert.doesNotMatch(r.json().id, /^resp_mock_/);
  });

  it('an upstream failure mid-stream through translation ends with the chat error', async () => {
    const r = await stream(s.u('/v1/chat/completions'), {
      model: 'resp/fault-stream-error', stream: true, messages: [{ role: 'user', content: 'break this stream please' }],
    });
    assert.equal(r.status, 200, r.text);
    const last = eventJson(r.events).at(-1);
    assert.match(JSON.stringify(last), /mock mid-stream failure/);
  });
});

// A Responses passthrough's usage row: read from the body's usage, or from
// the stream's response.completed (there is no [DONE] to end on).
describe('responses passthrough usage', { timeout: 60000 }, () => {
  const TOKEN = 'responses-usage-token-0123456789';
  const AUTH = { authorization: `Bearer ${TOKEN}` };
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => ({ resp: mockProvider(u, { id: 'resp', api: 'responses', models: ['mock-reasoning'] }) }),
      auth: { enabled: true, tokens: [TOKEN] },
    });
  });
  after(async () => { await s?.stop(); });

  async function rows() {
    assert.equal((await post(s.u('/api/admin/usage/flush'), undefined, { headers: AUTH })).status, 200);
    const r = await get(s.u('/api/admin/usage?from=0'), { headers: AUTH });
    assert.equal(r.status, 200, r.text);
    return r;
  }

  it('whole and streamed answers are recorded with the upstream counts', async () => {
    const whole = await post(s.u('/v1/responses'), { model: 'resp/mock-reasoning', input: 'count my tokens please' }, { headers: AUTH });
    assert.equal(whole.status, 200, whole.text);
    const u = whole.json().usage;
    assert.equal(u.output_tokens_details.reasoning_tokens, 8);
    assert.equal(typeof u.effective_context, 'number');  // the gateway's own figure, spliced into the body's usage
    const streamed = await stream(s.u('/v1/responses'), { model: 'resp/mock-reasoning', input: 'count my streamed tokens', stream: true }, { headers: AUTH });
    assert.equal(streamed.status, 200, streamed.text);
    const done = JSON.parse(streamed.events.at(-1).data);
    assert.equal(done.type, 'response.completed');
    const su = done.response.usage;
    let report;
    for (let i = 0; i < 100; ++i) {  // the row is queued once the serving coroutine resumes: polled, bounded
      report = (await rows()).json();
      if (report.totals.requests >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(report.totals.requests, 2);
    assert.equal(report.totals.prompt_tokens, u.input_tokens + su.input_tokens);
    assert.equal(report.totals.completion_tokens, u.output_tokens + su.output_tokens);
  });
});

// A body only passthrough can carry (an item_reference the translating
// decoder refuses) is served by the rotation's passthrough candidate,
// whichever candidate the rotation draws first; with none, the 400 stays.
describe('responses: passthrough-only bodies in a rotation', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startStack({
      providers: (u) => ({
        resp: mockProvider(u, { id: 'resp', api: 'responses', models: ['mock-model', 'fault-503'] }),
        chat: mockProvider(u, { id: 'chat', models: ['mock-model'] }),
      }),
      rotations: {
        mixed: { providers: [{ provider_id: 'chat', models: [{ name: 'mock-model', weight: 1000 }] },
                             { provider_id: 'resp', models: [{ name: 'mock-model', weight: 1 }] }] },
        // One request allowed: the refused decode sent none, so it is not counted.
        single: { max_attempts: 1,
                  providers: [{ provider_id: 'chat', models: [{ name: 'mock-model', weight: 1000 }] },
                              { provider_id: 'resp', models: [{ name: 'mock-model', weight: 1 }] }] },
        failing: { providers: [{ provider_id: 'chat', models: [{ name: 'mock-model', weight: 1000 }] },
                               { provider_id: 'resp', models: [{ name: 'fault-503', weight: 1 }] }] },
        translating: { providers: [{ provider_id: 'chat', models: [{ name: 'mock-model', weight: 1 }] }] },
      },
    });
  });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  const body = (model) => ({
    model,
    input: [{ type: 'item_reference', id: 'msg_earlier' }, { role: 'user', content: 'refer to it' }],
  });

  it('a translating candidate drawn first moves on to the passthrough one', async () => {
    for (let i = 0; i < 3; ++i) {
      const r = await post(s.u('/v1/responses'), body('rotation/mixed'));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-target'], 'resp/mock-model');
      assert.match(r.json().id, /^resp_mock_/);
    }
    const chats = (await s.mock.requests()).filter((q) => q.path.endsWith('/chat/completions'));
    assert.equal(chats.length, 0);  // the translating candidate sent nothing
  });

  it('a refused decode does not use up max_attempts', async () => {
    for (let i = 0; i < 3; ++i) {
      const r = await post(s.u('/v1/responses'), body('rotation/single'));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers['x-aisbf-target'], 'resp/mock-model');
    }
  });

  it('when the passthrough candidate fails, its failure is the answer, not the decoder\'s 400', async () => {
    const r = await post(s.u('/v1/responses'), body('rotation/failing'));
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json().error.code, 'all_candidates_failed');
    // The passthrough candidate had its max_attempts_per_model (2) tries; the translating one sent nothing.
    const sent = await s.mock.requests();
    assert.deepEqual(sent.map((q) => [q.path.endsWith('/responses'), JSON.parse(q.body).model]),
      [[true, 'fault-503'], [true, 'fault-503']]);
  });

  it('without a passthrough candidate the decoder\'s 400 is the answer', async () => {
    const r = await post(s.u('/v1/responses'), body('rotation/translating'));
    const e = assertError(r, 400);
    assert.match(e.message, /item references/);
  });
});

// A stream-only provider's answer to a non-stream client is folded whole
// before it goes out: bounded as a whole answer is (max_upstream_body_bytes).
describe('a folded stream is bounded', { timeout: 60000 }, () => {
  const CAP = 64 * 1024;
  let s;
  before(async () => {
    s = await startStack({
      server: { max_upstream_body_bytes: CAP },
      providers: (u) => ({
        codexbe: { ...mockProvider(u, { id: 'codexbe', models: ['mock-reasoning'] }), type: 'codex', endpoint: `${u}/backend-api` },
      }),
    });
  });
  after(async () => { await s?.stop(); });

  it('past the cap: a 502 upstream_response_too_large naming the provider; under it: the answer', async () => {
    const long = 'echo '.repeat(20000);  // the mock's answer repeats it: 100 KB of text deltas
    const r = await post(s.u('/v1/chat/completions'), {
      model: 'codexbe/mock-reasoning', max_tokens: 64, messages: [{ role: 'user', content: long }],
    }, { timeoutMs: 20000 });
    const e = assertError(r, 502, 'upstream_response_too_large');
    assert.match(e.message, /provider 'codexbe' answered more than 65536 bytes/);
    const ok = await post(s.u('/v1/chat/completions'), {
      model: 'codexbe/mock-reasoning', max_tokens: 64, messages: [{ role: 'user', content: 'short' }],
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json().choices[0].message.content, 'You said: short');
  });
});
