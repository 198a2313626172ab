// The official SDKs against rotations: failover is invisible to the client
// (plain, streamed, tool calls, both SDKs); an all-failed rotation surfaces as
// the SDK's error class with the attempt list; notifyerrors reads as an
// ordinary answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvidersStack, loadAnthropic, OpenAI, mockProvider, WEATHER_TOOL, WEATHER_TOOL_ANTHROPIC,
} from './common.mjs';

const Anthropic = await loadAnthropic();

function rotation(entries, extra = {}) {
  return { providers: entries.map(([provider_id, name, weight]) => ({ provider_id, models: [{ name, weight }] })), ...extra };
}

describe('sdk: rotations', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startProvidersStack({
      aisbf: { routing: { seed: 7 } },
      providers: (u) => ({
        bad: mockProvider(u, { id: 'bad', models: ['fault-500', 'fault-503'], endpoint: `${u}/bad/v1` }),
        good: mockProvider(u, { id: 'good', models: ['mock-model'], endpoint: `${u}/good/v1` }),
        ant: { id: 'ant', name: 'ant', endpoint: `${u}/v1`, type: 'anthropic', api_key_required: true,
          api_key: 'mock-key', rate_limit: 0, models: [{ name: 'mock-model' }] },
      }),
      rotations: {
        // The broken entry has nearly all the weight: most requests fail over.
        mixed: rotation([['bad', 'fault-500', 50], ['good', 'mock-model', 1], ['ant', 'mock-model', 1]]),
        broken: rotation([['bad', 'fault-500', 1], ['bad', 'fault-503', 1]]),
        told: rotation([['bad', 'fault-503', 1]], { notifyerrors: true }),
      },
    });
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('openai sdk: plain and streamed answers come through the failover', async () => {
    for (let i = 0; i < 4; i += 1) {
      const r = await client.chat.completions.create({
        model: 'rotation/mixed', messages: [{ role: 'user', content: `plain ${i}` }],
      });
      assert.equal(r.choices[0].message.content, `You said: plain ${i}`);
      const st = await client.chat.completions.create({
        model: 'rotation/mixed', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: `streamed ${i}` }],
      });
      let text = '';
      let usage = null;
      for await (const chunk of st) {
        text += chunk.choices[0]?.delta?.content ?? '';
        usage = chunk.usage ?? usage;
      }
      assert.equal(text, `You said: streamed ${i}`);
      assert.ok(usage && usage.total_tokens > 0, JSON.stringify(usage));
    }
  });

  it('openai sdk: a tool call survives the failover', async () => {
    const r = await client.chat.completions.create({
      model: 'rotation/mixed', tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'get_weather for Paris' }],
    });
    const call = r.choices[0].message.tool_calls?.[0];
    assert.equal(call?.function?.name, 'get_weather', JSON.stringify(r.choices[0]));
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'get_weather for Paris' });
  });

  it('openai sdk: every candidate failing is an InternalServerError (503) listing the attempts', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'rotation/broken', messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.InternalServerError, `${err.constructor.name}: ${err.message}`);
        assert.equal(err.status, 503);
        assert.equal(err.code, 'all_candidates_failed');
        assert.ok(Array.isArray(err.error?.attempts) && err.error.attempts.length >= 2, JSON.stringify(err.error));
        assert.match(err.message, /bad\/fault-500/);
        return true;
      });
  });

  it('openai sdk: notifyerrors reads as an ordinary answer', async () => {
    const r = await client.chat.completions.create({ model: 'rotation/told', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.match(r.choices[0].message.content, /rotation 'told'.*bad\/fault-503/);
  });

  it('anthropic sdk: messages through the failover, plain and streamed, with a tool', { skip: !Anthropic }, async () => {
    const a = s.anthropic(Anthropic);
    const m = await a.messages.create({
      model: 'rotation/mixed', max_tokens: 64, messages: [{ role: 'user', content: 'hello anthropic' }],
    });
    assert.equal(m.content[0].text, 'You said: hello anthropic');
    const st = a.messages.stream({
      model: 'rotation/mixed', max_tokens: 64, tools: [WEATHER_TOOL_ANTHROPIC],
      messages: [{ role: 'user', content: 'get_weather in Rome' }],
    });
    const final = await st.finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.equal(use?.name, 'get_weather', JSON.stringify(final.content));
    assert.deepEqual(use.input, { city: 'get_weather in Rome' });
  });
});
