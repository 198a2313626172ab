// Tool calls through aisbf with the official SDK, plain and streamed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, WEATHER_TOOL } from './common.mjs';

const QUESTION = 'what is the get_weather in Paris';

describe('openai sdk: tools', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startSdkStack();
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('non-stream: a get_weather call with JSON arguments', async () => {
    const r = await client.chat.completions.create({
      model: 'mock/mock-model', messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL],
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const [call] = choice.message.tool_calls;
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: QUESTION });
  });

  it('stream: argument fragments join to valid JSON', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock/mock-model', messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL], stream: true,
    });
    const calls = [];
    let fragments = 0;
    let finish = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const tc of choice.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', args: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name += tc.function.name;
        if (tc.function?.arguments) { calls[tc.index].args += tc.function.arguments; fragments++; }
      }
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.ok(calls[0].id);
    assert.ok(fragments >= 2, `arguments came in ${fragments} fragment(s)`);
    assert.deepEqual(JSON.parse(calls[0].args), { city: QUESTION });
    assert.equal(finish, 'tool_calls');
  });

  it('the stream helper assembles the tool call', async () => {
    const runner = client.chat.completions.stream({
      model: 'mock/mock-model', messages: [{ role: 'user', content: QUESTION }], tools: [WEATHER_TOOL],
    });
    const final = await runner.finalChatCompletion();
    const [call] = final.choices[0].message.tool_calls;
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: QUESTION });
  });

  it('a tool result round trip', async () => {
    const r = await client.chat.completions.create({
      model: 'mock/mock-model',
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: QUESTION },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21C' },
      ],
    });
    assert.equal(r.choices[0].message.content, 'Tool result: Sunny, 21C');
  });
});
