// The response cache through the official SDKs (issue 12): a stream stored
// by one request is replayed by the next in the OpenAI and Anthropic
// formats, and the SDKs read it as they read an upstream's (the upstream is
// called once per question).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProvidersStack, loadAnthropic, upstreamChatRequests } from './common.mjs';

const TOKEN = 'e2e-cache-token';
const Anthropic = await loadAnthropic();
const calls = async (s) => (await upstreamChatRequests(s.mock)).length;

describe('response cache × SDKs', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startProvidersStack({
      token: TOKEN, types: ['openai', 'anthropic'], aisbf: { response_cache: { enabled: true } },
    });
  });
  after(async () => { await s?.stop(); });

  it('openai sdk: a stream replayed as a stream and as a whole answer', async () => {
    const client = s.client();
    const ask = { model: 'openai/mock-model', temperature: 0,
      messages: [{ role: 'user', content: 'Cache this streamed reply, it has several words ✓' }] };
    const before = await calls(s);
    const read = async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ ...ask, stream: true, stream_options: { include_usage: true } }).withResponse();
      let text = '';
      let usage = null;
      let finish = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      return { text, usage, finish, cache: response.headers.get('x-aisbf-cache') };
    };
    const first = await read();
    const second = await read();
    assert.equal(first.cache, 'miss');
    assert.equal(second.cache, 'hit');
    assert.equal(second.text, first.text);
    assert.equal(second.finish, 'stop');
    assert.equal(second.usage.completion_tokens, first.usage.completion_tokens);
    const whole = await client.chat.completions.create(ask);
    assert.equal(whole.choices[0].message.content, first.text);
    assert.equal(await calls(s), before + 1);
  });

  it('anthropic sdk: a stream replayed in its events', { skip: !Anthropic }, async () => {
    const client = s.anthropic(Anthropic);
    const ask = { model: 'anthropic/mock-model', max_tokens: 256, temperature: 0,
      messages: [{ role: 'user', content: 'Cache this Anthropic reply, in several events please' }] };
    const before = await calls(s);
    const read = async () => {
      const stream = client.messages.stream(ask);
      const final = await stream.finalMessage();
      return final;
    };
    const first = await read();
    const second = await read();
    assert.equal(second.content[0].text, first.content[0].text);
    assert.equal(second.stop_reason, 'end_turn');
    assert.equal(second.usage.output_tokens, first.usage.output_tokens);
    const whole = await client.messages.create(ask);
    assert.equal(whole.content[0].text, first.content[0].text);
    assert.equal(await calls(s), before + 1);
  });
});
