// The official OpenAI SDK against aisbf (auth on) → aisbf-mock, once per
// provider type: the gateway translates the OpenAI request to the provider's
// protocol (Anthropic Messages, Gemini, Ollama; OpenAI itself as the control)
// and the answer back. Same deterministic replies whatever the protocol.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvidersStack, OpenAI, WEATHER_TOOL, TINY_PNG_B64, PROVIDER_TYPES, UPSTREAM_CHAT_PATH,
  upstreamChatRequests, MOCK_KEY,
} from './common.mjs';

const TOKEN = 'e2e-matrix-token';
const QUESTION = 'what is the get_weather in Paris';
const LONG = 'Stream this, please: a somewhat longer message so that it comes in several pieces ✓ é';

// Accumulates streamed tool-call fragments by index.
function collectToolCalls(chunks) {
  const calls = [];
  let fragments = 0;
  let finish = null;
  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    for (const tc of choice.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: '', name: '', args: '' };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name += tc.function.name;
      if (tc.function?.arguments) { calls[tc.index].args += tc.function.arguments; fragments++; }
    }
  }
  return { calls, fragments, finish };
}

async function drain(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('openai sdk × provider types', { timeout: 120000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startProvidersStack({ token: TOKEN });
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  for (const type of PROVIDER_TYPES) {
    const model = `${type}/mock-model`;

    describe(`provider type ${type}`, () => {
      beforeEach(async () => { await s.mock.reset(); });

      it('plain text: content is "You said: …", finish_reason stop, usage', async () => {
        const r = await client.chat.completions.create({
          model,
          messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `Hello ${type}` }],
          max_tokens: 200,
        });
        assert.equal(r.object, 'chat.completion');
        assert.equal(r.choices.length, 1);
        assert.equal(r.choices[0].message.role, 'assistant');
        assert.equal(r.choices[0].message.content, `You said: Hello ${type}`);
        assert.equal(r.choices[0].finish_reason, 'stop');
        assert.equal(typeof r.usage?.prompt_tokens, 'number', JSON.stringify(r.usage));
        assert.equal(typeof r.usage.completion_tokens, 'number');
        assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
      });

      it(`the upstream request is in ${type}'s protocol, with the provider's key, not the gateway token`, async () => {
        await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'protocol' }] });
        const reqs = await upstreamChatRequests(s.mock);
        assert.equal(reqs.length, 1, JSON.stringify(reqs.map((q) => q.path)));
        const [q] = reqs;
        assert.match(q.path, UPSTREAM_CHAT_PATH[type], q.path);
        const headers = JSON.stringify(q.headers);
        assert.ok(!headers.includes(TOKEN), `gateway token forwarded: ${headers}`);
        if (type === 'anthropic') {
          assert.equal(q.headers['x-api-key'], MOCK_KEY);
          assert.ok(q.headers['anthropic-version'], 'no anthropic-version');
        } else if (type === 'google') {
          assert.ok(q.headers['x-goog-api-key'] === MOCK_KEY || q.path.includes(`key=${MOCK_KEY}`), headers);
        } else if (type === 'openai') {
          assert.equal(q.headers.authorization, `Bearer ${MOCK_KEY}`);
        }
        const body = JSON.parse(q.body);
        if (type === 'google') assert.ok(Array.isArray(body.contents), q.body);
        else assert.ok(Array.isArray(body.messages), q.body);
        if (type === 'anthropic') assert.equal(typeof body.max_tokens, 'number', 'Anthropic needs max_tokens');
      });

      it('streaming: deltas join to the reply, finish_reason stop', async () => {
        const stream = await client.chat.completions.create({
          model, messages: [{ role: 'user', content: LONG }], stream: true,
        });
        const chunks = await drain(stream);
        const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
        assert.equal(text, `You said: ${LONG}`);
        assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
        assert.equal(chunks.filter((c) => c.choices[0]?.finish_reason).at(-1)?.choices[0].finish_reason, 'stop');
        assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'), 'chunk object');
        const ids = new Set(chunks.map((c) => c.id));
        assert.equal(ids.size, 1, `chunk ids differ: ${[...ids]}`);
      });

      it('the stream helper (chat.completions.stream) assembles the final message', async () => {
        const runner = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'helper' }] });
        const final = await runner.finalChatCompletion();
        assert.equal(final.choices[0].message.content, 'You said: helper');
      });

      it('tool call (non-stream): get_weather with {"city": <question>}', async () => {
        const r = await client.chat.completions.create({
          model, messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL],
        });
        const choice = r.choices[0];
        assert.equal(choice.finish_reason, 'tool_calls', JSON.stringify(choice));
        assert.equal(choice.message.tool_calls?.length, 1, JSON.stringify(choice.message));
        const [call] = choice.message.tool_calls;
        assert.equal(call.type, 'function');
        assert.ok(call.id, 'no tool call id');
        assert.equal(call.function.name, 'get_weather');
        assert.equal(typeof call.function.arguments, 'string');
        assert.deepEqual(JSON.parse(call.function.arguments), { city: QUESTION });
      });

      it('tool call (stream): argument fragments join to {"city": <question>}', async () => {
        const stream = await client.chat.completions.create({
          model, messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL], stream: true,
        });
        const { calls, fragments, finish } = collectToolCalls(await drain(stream));
        assert.equal(calls.length, 1, JSON.stringify(calls));
        assert.equal(calls[0].name, 'get_weather');
        assert.ok(calls[0].id, 'no tool call id');
        assert.ok(fragments >= 1, 'no argument fragments');
        assert.deepEqual(JSON.parse(calls[0].args), { city: QUESTION });
        assert.equal(finish, 'tool_calls');
      });

      it('tool round trip: the call goes back with its result → "Tool result: …"', async () => {
        const first = await client.chat.completions.create({
          model, messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL],
        });
        const assistant = first.choices[0].message;
        const [call] = assistant.tool_calls ?? [];
        assert.ok(call, JSON.stringify(first));
        const messages = [
          { role: 'user', content: QUESTION },
          { role: 'assistant', content: assistant.content ?? null, tool_calls: assistant.tool_calls },
          { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21C' },
        ];
        const r = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] });
        const text = r.choices[0].message.content;
        if (type === 'google') {
          // Gemini's functionResponse carries an object: the mock may echo it as JSON.
          assert.match(text, /^Tool result: /, text);
          assert.ok(text.includes('Sunny, 21C'), text);
        } else {
          assert.equal(text, 'Tool result: Sunny, 21C');
        }
        assert.equal(r.choices[0].finish_reason, 'stop');
        // The same, streamed.
        const stream = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL], stream: true });
        const streamed = (await drain(stream)).map((c) => c.choices[0]?.delta?.content ?? '').join('');
        assert.equal(streamed, text);
      });

      it('an image (base64 PNG data URL) is accepted and reaches the provider', async () => {
        const r = await client.chat.completions.create({
          model,
          messages: [{
            role: 'user',
            content: [
              { type: 'text', text: 'describe this' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG_B64}` } },
            ],
          }],
        });
        assert.equal(r.choices[0].message.content, 'You said: describe this');
        const [q] = (await upstreamChatRequests(s.mock)).slice(-1);
        assert.ok(q.body.includes(TINY_PNG_B64), `the image did not reach the upstream: ${q.body.slice(0, 1000)}`);
        if (type !== 'openai') assert.ok(!q.body.includes('image_url'), `OpenAI image part forwarded as is: ${q.body.slice(0, 1000)}`);
      });

      it('stream_options.include_usage: a final usage chunk with numbers', async () => {
        const stream = await client.chat.completions.create({
          model, messages: [{ role: 'user', content: 'count me' }],
          stream: true, stream_options: { include_usage: true },
        });
        const chunks = await drain(stream);
        const last = chunks.at(-1);
        assert.ok(last?.usage, `no usage on the last chunk: ${JSON.stringify(last)}`);
        assert.deepEqual(last.choices, []);
        const u = last.usage;
        assert.ok(Number.isInteger(u.prompt_tokens) && u.prompt_tokens > 0, JSON.stringify(u));
        assert.ok(Number.isInteger(u.completion_tokens) && u.completion_tokens > 0, JSON.stringify(u));
        assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
        assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'You said: count me');
      });

      it('legacy completions (prompt), plain and streamed', async () => {
        const r = await client.completions.create({ model, prompt: 'legacy prompt', max_tokens: 50 });
        assert.equal(r.object, 'text_completion');
        assert.equal(r.choices[0].text, 'You said: legacy prompt');
        assert.equal(r.choices[0].finish_reason, 'stop');
        const stream = await client.completions.create({ model, prompt: 'legacy prompt', stream: true });
        let text = '';
        for await (const c of stream) text += c.choices[0]?.text ?? '';
        assert.equal(text, 'You said: legacy prompt');
      });

      it('upstream 429 (fault-429) → RateLimitError 429, no retry', async () => {
        await assert.rejects(
          client.chat.completions.create({ model: `${type}/fault-429`, messages: [{ role: 'user', content: 'x' }] }),
          (err) => {
            assert.ok(err instanceof OpenAI.APIError, `not an APIError: ${err}`);
            assert.ok(err instanceof OpenAI.RateLimitError, `${err.constructor.name}: ${err.message}`);
            assert.equal(err.status, 429);
            return true;
          });
        assert.equal((await upstreamChatRequests(s.mock)).length, 1, 'the gateway retried');
        await assert.rejects(
          client.chat.completions.create({ model: `${type}/fault-429`, messages: [{ role: 'user', content: 'x' }], stream: true }),
          (err) => {
            assert.ok(err instanceof OpenAI.RateLimitError, `${err.constructor.name}: ${err.message}`);
            assert.equal(err.status, 429);
            return true;
          });
      });

      it('upstream 500 (fault-500) → InternalServerError 500', async () => {
        await assert.rejects(
          client.chat.completions.create({ model: `${type}/fault-500`, messages: [{ role: 'user', content: 'x' }] }),
          (err) => {
            assert.ok(err instanceof OpenAI.InternalServerError, `${err.constructor.name}: ${err.message}`);
            assert.equal(err.status, 500);
            return true;
          });
      });
    });
  }
});
