// The official OpenAI SDK's Responses API (`responses.create`,
// `responses.stream`) against aisbf → aisbf-mock, with a provider of every
// type (OpenAI chat, Anthropic, Gemini, Ollama: the gateway translates the
// Responses request to the provider's protocol and the answer, or its stream
// of events, back) and a Responses-api provider (`"api": "responses"`: passed
// through, the body as sent but `model`). Text, a function-tool round trip, an
// image input, JSON schema output and errors (before the head: the SDK's
// APIError; mid-stream: the `error` event). Stored responses:
// previous_response_id across provider types, responses.retrieve,
// responses.inputItems.list (paged) and responses.delete.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvidersStack, OpenAI, upstreamChatRequests, typedProviders, mockProvider, PROVIDER_TYPES, TINY_PNG_B64,
} from './common.mjs';

const TOKEN = 'e2e-responses-token';
const TYPES = [...PROVIDER_TYPES, 'responses'];

// The requests a provider of `type` got: chat routes, or /responses.
async function upstreamRequests(mock, type) {
  if (type !== 'responses') return upstreamChatRequests(mock);
  return (await mock.requests()).filter((q) => /\/responses(\?|$)/.test(q.path));
}
const WEATHER = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};
const QUESTION = 'what is the get_weather in Paris';

// Every event of a stream, checked as the API defines them: sequence numbers
// from 0 by one, created first, one terminal event last.
async function drainChecked(stream) {
  const events = [];
  for await (const event of stream) events.push(event);
  events.forEach((e, i) => assert.equal(e.sequence_number, i, `${e.type} out of sequence`));
  assert.equal(events[0].type, 'response.created');
  assert.equal(events[1].type, 'response.in_progress');
  assert.equal(events.at(-1).type, 'response.completed');
  return events;
}

// A provider of every type (ids = type names) and a Responses-api one (`responses/…`).
function startResponsesStack() {
  return startProvidersStack({
    token: TOKEN,
    providers: (u) => ({
      ...typedProviders(u, PROVIDER_TYPES),
      responses: mockProvider(u, { id: 'responses', api: 'responses' }),
    }),
  });
}

describe('openai sdk responses × provider types', { timeout: 120000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startResponsesStack();
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  for (const type of TYPES) {
    const model = `${type}/mock-model`;

    describe(`provider type ${type}`, () => {
      beforeEach(async () => { await s.mock.reset(); });

      it('responses.create: text answer, usage, the model asked for', async () => {
        const r = await client.responses.create({ model, instructions: 'Be brief.', input: `Hello ${type}` });
        assert.equal(r.object, 'response');
        assert.match(r.id, /^resp_/);
        assert.equal(r.status, 'completed');
        // Passthrough relays the upstream's answer as it came: its own model name.
        assert.equal(r.model, type === 'responses' ? 'mock-model' : model);
        assert.equal(r.output_text, `You said: Hello ${type}`);
        assert.equal(r.output.length, 1);
        assert.equal(r.output[0].type, 'message');
        assert.equal(r.output[0].role, 'assistant');
        assert.equal(typeof r.usage.input_tokens, 'number');
        assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
        const reqs = await upstreamRequests(s.mock, type);
        assert.equal(reqs.length, 1);
        const body = JSON.parse(reqs[0].body);
        // instructions are the system prompt, in each protocol's place for it
        if (type === 'responses') {
          assert.equal(body.model, 'mock-model');  // only the model rewritten
          assert.equal(body.instructions, 'Be brief.');
          assert.equal(body.input, `Hello ${type}`);
          assert.equal(body.store, undefined);
          return;
        }
        const own = { anthropic: 'system', google: 'systemInstruction' }[type];
        const system = own ? body[own] : body.messages[0];
        if (own) assert.ok(!JSON.stringify(body.messages ?? body.contents).includes('Be brief.'), 'instructions as a turn');
        else assert.equal(body.messages[0].role, 'system');
        assert.match(JSON.stringify(system), /Be brief\./);
      });

      it('responses.stream: the event sequence and the final response', async () => {
        const text = 'Stream this: a somewhat longer message that comes in several pieces ✓ é';
        const stream = client.responses.stream({ model, input: [{ role: 'user', content: text }] });
        const events = await drainChecked(stream);
        const types = events.map((e) => e.type);
        assert.deepEqual(types.slice(2, 4), ['response.output_item.added', 'response.content_part.added']);
        assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done',
          'response.output_item.done', 'response.completed']);
        const deltas = events.filter((e) => e.type === 'response.output_text.delta');
        assert.ok(deltas.length > 1, 'one delta only');
        assert.equal(deltas.map((e) => e.delta).join(''), `You said: ${text}`);
        const itemId = events[2].item.id;
        for (const d of deltas) assert.equal(d.item_id, itemId);
        const final = await stream.finalResponse();
        assert.equal(final.output_text, `You said: ${text}`);
        assert.equal(typeof final.usage.output_tokens, 'number');
        const [q] = await upstreamRequests(s.mock, type);
        // Gemini streams by its path (streamGenerateContent?alt=sse), the others by a body field.
        if (type === 'google') assert.match(q.path, /:streamGenerateContent\?alt=sse$/);
        else assert.equal(JSON.parse(q.body).stream, true);
      });

      it('a function tool round trip', async () => {
        const first = await client.responses.create({ model, input: QUESTION, tools: [WEATHER] });
        const call = first.output.find((o) => o.type === 'function_call');
        assert.ok(call, JSON.stringify(first.output));
        assert.equal(call.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.arguments), { city: QUESTION });
        assert.ok(call.call_id);
        const second = await client.responses.create({
          model,
          tools: [WEATHER],
          input: [
            { role: 'user', content: QUESTION },
            { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
            { type: 'function_call_output', call_id: call.call_id, output: 'Sunny, 21C' },
          ],
        });
        assert.equal(second.output_text, 'Tool result: Sunny, 21C');
        const reqs = await upstreamRequests(s.mock, type);
        assert.equal(reqs.length, 2);
        const upstream = JSON.parse(reqs[1].body);
        if (type === 'responses') {
          assert.equal(upstream.input.at(-1).type, 'function_call_output');
          assert.equal(upstream.input.at(-1).call_id, call.call_id);
        } else if (type === 'anthropic') {
          const result = upstream.messages.at(-1).content[0];
          assert.equal(result.type, 'tool_result');
        } else if (type === 'google') {
          const part = upstream.contents.at(-1).parts.find((p) => p.functionResponse);
          assert.equal(part?.functionResponse?.name, 'get_weather', JSON.stringify(upstream.contents.at(-1)));
          assert.match(JSON.stringify(part.functionResponse.response), /Sunny, 21C/);
        } else {
          assert.equal(upstream.messages.at(-1).role, 'tool');
          assert.equal(upstream.messages.at(-1).content, 'Sunny, 21C');
          if (type === 'openai') assert.equal(upstream.messages.at(-1).tool_call_id, call.call_id);
          else assert.equal(upstream.messages.at(-1).tool_name, 'get_weather');
        }
      });

      it('a streamed function call: arguments deltas and done', async () => {
        const stream = client.responses.stream({ model, input: QUESTION, tools: [WEATHER], tool_choice: 'required' });
        const events = await drainChecked(stream);
        const done = events.find((e) => e.type === 'response.function_call_arguments.done');
        assert.ok(done, events.map((e) => e.type).join(' '));
        assert.equal(done.name, 'get_weather');
        const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
        assert.equal(deltas.map((e) => e.delta).join(''), done.arguments);
        const final = await stream.finalResponse();
        assert.equal(final.output.at(-1).type, 'function_call');
        assert.equal(final.output.at(-1).arguments, done.arguments);
      });

      it('an image input (base64 data URL) reaches the provider in its protocol', async () => {
        const r = await client.responses.create({
          model,
          input: [{
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is in this image?' },
              { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG_B64}`, detail: 'auto' },
            ],
          }],
        });
        assert.equal(r.status, 'completed');
        assert.equal(r.output_text, 'You said: What is in this image?');
        const [q] = await upstreamRequests(s.mock, type);
        assert.ok(q.body.includes(TINY_PNG_B64), `the image did not reach the upstream: ${q.body.slice(0, 1000)}`);
        // Passed through as the Responses part it is; translated everywhere else.
        assert.equal(q.body.includes('input_image'), type === 'responses', q.body.slice(0, 1000));
      });

      it('JSON schema output reaches the upstream in its protocol', async () => {
        const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'],
          additionalProperties: false };
        const r = await client.responses.create({
          model, input: 'json please', text: { format: { type: 'json_schema', name: 'reply', schema, strict: true } },
        });
        assert.equal(r.status, 'completed');
        const [q] = await upstreamRequests(s.mock, type);
        const body = JSON.parse(q.body);
        if (type === 'responses') {
          assert.deepEqual(body.text.format, { type: 'json_schema', name: 'reply', schema, strict: true });
        } else if (type === 'anthropic') {
          assert.deepEqual(body.output_config?.format, { type: 'json_schema', schema }, q.body);
        } else if (type === 'google') {
          assert.equal(body.generationConfig?.responseMimeType, 'application/json', q.body);
          assert.deepEqual(Object.keys(body.generationConfig.responseSchema.properties), ['answer'], q.body);
        } else if (type === 'ollama') {
          assert.deepEqual(body.format, schema, q.body);
        } else {
          assert.equal(body.response_format.type, 'json_schema');
          assert.equal(body.response_format.json_schema.name, 'reply');
          assert.deepEqual(body.response_format.json_schema.schema, schema);
        }
      });

      it('errors: invalid input is a 400; an upstream failure an APIError; a mid-stream one throws', async () => {
        await assert.rejects(
          client.responses.create({ model, input: [{ type: 'function_call_output', call_id: 'x', output: 'y' }] }),
          (err) => {
            assert.ok(err instanceof OpenAI.BadRequestError, String(err));
            assert.equal(err.status, 400);
            // passed through, the upstream judges it: its message, not aisbf's field path
            if (type === 'responses') assert.match(err.message, /No tool call found/);
            else assert.equal(err.param, 'input');
            return true;
          });
        if (type !== 'responses') {
          assert.equal((await upstreamChatRequests(s.mock)).length, 0, 'an invalid request went upstream');
        }
        await assert.rejects(client.responses.create({ model: `${type}/fault-500`, input: 'x' }), (err) => {
          assert.ok(err instanceof OpenAI.APIError, String(err));
          assert.ok(err.status >= 500, String(err.status));
          return true;
        });
        // The SDK's ResponseStream yields the error event and ends there (it emits 'error' to its
        // listeners rather than throwing); response.failed that follows is checked on the raw
        // stream in tests/integration/responses.test.mjs.
        const stream = client.responses.stream({ model: `${type}/fault-stream-error`, input: 'break this stream please' });
        const events = [];
        for await (const event of stream) events.push(event);
        events.forEach((e, i) => assert.equal(e.sequence_number, i, `${e.type} out of sequence`));
        const types = events.map((e) => e.type);
        assert.ok(types.includes('response.output_text.delta'), types.join(' '));
        assert.equal(types.at(-1), 'error', types.join(' '));
        assert.match(events.at(-1).message, /mock mid-stream failure/);
      });
    });
  }
});

describe('openai sdk stored responses', { timeout: 120000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startResponsesStack();
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('a continuation on a Responses-api provider is passed through expanded, with no id OpenAI would look up', async () => {
    const first = await client.responses.create({ model: 'anthropic/mock-model', input: 'remember 7' });
    await s.mock.reset();
    const next = await client.responses.create({ model: 'responses/mock-model', previous_response_id: first.id, input: 'which number?' });
    assert.equal(next.output_text, 'You said: which number?');
    const [q] = await upstreamRequests(s.mock, 'responses');
    const body = JSON.parse(q.body);
    assert.equal(body.previous_response_id, undefined);
    assert.equal(body.model, 'mock-model');
    assert.deepEqual(body.input.map((i) => i.role), ['user', 'assistant', 'user']);
    assert.equal(body.input[1].content[0].text, 'You said: remember 7');
    // …and the passthrough answer is kept under the upstream's id, continued in turn on a translating provider.
    await s.mock.reset();
    const third = await client.responses.create({ model: 'openai/mock-model', previous_response_id: next.id, input: 'and again?' });
    assert.equal(third.output_text, 'You said: and again?');
    const [c] = await upstreamChatRequests(s.mock);
    assert.deepEqual(JSON.parse(c.body).messages.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('previous_response_id, retrieve, inputItems.list and delete', async () => {
    const first = await client.responses.create({ model: 'openai/mock-model', input: 'my name is Ada' });
    const kept = await client.responses.retrieve(first.id);  // there the moment the answer is
    assert.equal(kept.id, first.id);
    assert.equal(kept.output_text, 'You said: my name is Ada');
    await s.mock.reset();
    // Continued on another provider type, streamed: the upstream gets the whole conversation.
    const stream = client.responses.stream({ model: 'anthropic/mock-model', previous_response_id: first.id, input: 'what is my name?' });
    const second = await stream.finalResponse();
    assert.equal(second.output_text, 'You said: what is my name?');
    const [q] = await upstreamChatRequests(s.mock);
    assert.ok(q.body.includes('my name is Ada') && q.body.includes('You said: my name is Ada'), q.body);
    // The SDK pages through every item (two at a time), oldest first.
    const items = [];
    for await (const item of client.responses.inputItems.list(second.id, { order: 'asc', limit: 2 })) items.push(item);
    assert.deepEqual(items.map((i) => i.role), ['user', 'assistant', 'user']);
    assert.equal(items[0].content[0].text, 'my name is Ada');
    assert.equal(items[1].id, first.output[0].id);
    assert.equal(items[2].content[0].text, 'what is my name?');
    const page = await client.responses.inputItems.list(second.id, { limit: 1 });
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0].content[0].text, 'what is my name?');  // newest first by default
    assert.equal(page.has_more, true);
    // Delete: the SDK resolves; then retrieve and a continuation fail.
    await client.responses.delete(second.id);
    await assert.rejects(client.responses.retrieve(second.id), (err) => err instanceof OpenAI.NotFoundError);
    await assert.rejects(client.responses.create({ model: 'openai/mock-model', previous_response_id: second.id, input: 'x' }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.equal(err.code, 'previous_response_not_found');
        return true;
      });
    // The first is still kept.
    assert.equal((await client.responses.retrieve(first.id)).id, first.id);
  });
});
