// The official OpenAI SDK against aisbf (auth on) → aisbf-mock: chat, stream,
// usage, models, a model id with "/".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSdkStack, OpenAI } from './common.mjs';

const TOKEN = 'e2e-gateway-token';

describe('openai sdk: chat and models', { timeout: 60000 }, () => {
  let s;
  let client;
  before(async () => {
    s = await startSdkStack({ token: TOKEN });
    client = s.client();
  });
  after(async () => { await s?.stop(); });

  it('chat.completions.create (non-stream)', async () => {
    const r = await client.chat.completions.create({
      model: 'mock/mock-model',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello SDK' }],
      temperature: 0.3,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'You said: Hello SDK');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(typeof r.usage.total_tokens, 'number');
  });

  it('chat.completions.create (stream): deltas join to the reply', async () => {
    const text = 'Stream this, please: a somewhat longer message so that it comes in several pieces ✓ é';
    const stream = await client.chat.completions.create({
      model: 'mock/mock-model', messages: [{ role: 'user', content: text }], stream: true,
    });
    let out = '';
    let chunks = 0;
    let finish = null;
    for await (const chunk of stream) {
      chunks++;
      out += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(out, `You said: ${text}`);
    assert.ok(chunks >= 3, `${chunks} chunks`);
    assert.equal(finish, 'stop');
  });

  it('the stream helper (chat.completions.stream) assembles the final message', async () => {
    const runner = client.chat.completions.stream({
      model: 'mock/mock-model', messages: [{ role: 'user', content: 'helper' }],
    });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.content, 'You said: helper');
  });

  it('stream_options.include_usage: a final usage chunk arrives', async () => {
    const stream = await client.chat.completions.create({
      model: 'mock/mock-model', messages: [{ role: 'user', content: 'count me' }],
      stream: true, stream_options: { include_usage: true },
    });
    let usage = null;
    let last = null;
    for await (const chunk of stream) {
      last = chunk;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(usage, 'no usage chunk');
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(last.choices, []);
    assert.ok(last.usage);
  });

  it('models.list()', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('mock/mock-model'), ids.join(','));
    assert.ok(ids.includes('mock/org/nested-model'), ids.join(','));
  });

  it('models.retrieve() with a "/" in the id', async () => {
    const m = await client.models.retrieve('mock/org/nested-model');
    assert.equal(m.id, 'mock/org/nested-model');
    assert.equal(m.object, 'model');
  });

  it('a model whose name contains "/" (mock/org/nested-model)', async () => {
    const r = await client.chat.completions.create({
      model: 'mock/org/nested-model', messages: [{ role: 'user', content: 'nested' }],
    });
    assert.equal(r.choices[0].message.content, 'You said: nested');
    const [q] = await s.mock.chatRequests().then((all) => all.slice(-1));
    assert.equal(JSON.parse(q.body).model, 'org/nested-model');
  });

  it('a wrong gateway token → AuthenticationError (401)', async () => {
    const bad = s.client({ apiKey: 'wrong-token' });
    await assert.rejects(
      bad.chat.completions.create({ model: 'mock/mock-model', messages: [{ role: 'user', content: 'x' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
        assert.equal(err.status, 401);
        return true;
      });
  });
});
