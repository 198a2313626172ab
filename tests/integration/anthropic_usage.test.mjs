// Anthropic passthrough usage (issue 8, item 14): when the client and the
// provider both speak Anthropic, the body is relayed as it came and its
// usage is read in Anthropic's names (usage.input_tokens/output_tokens, the
// cache counts; message_start and the cumulative message_delta in a stream).
// The token windows of a model with rate_limit_TPM then hold the real usage,
// not the bytes/4 estimate the request was admitted with.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, post, stream, messagesBody, typedProvider, model, mockDirect, anthropicTextOf, delay,
  ANTHROPIC_VERSION,
} from './harness.mjs';
import { chatTokens } from './token_reference.mjs';

const MESSAGES = '/api/v1/messages';
const AHEADERS = { 'anthropic-version': ANTHROPIC_VERSION };
const TPM = { rate_limit_TPM: 100000 };
const CONTENT = 'a b c d e f g h';  // 8 words in, "You said: …" 10 words out

describe('Anthropic passthrough usage', { timeout: 60000 }, () => {
  let s;
  let expected;
  before(async () => {
    s = await startStack({
      providers: (u) => ({
        anth: typedProvider('anthropic', u, { id: 'anth', models: [model('mock-model', TPM)] }),
        anths: typedProvider('anthropic', u, { id: 'anths', models: [model('mock-model', TPM)] }),
        anthr: typedProvider('anthropic', u, { id: 'anthr', models: [model('mock-model', TPM)] }),
      }),
      rotations: { arot: { providers: [{ provider_id: 'anthr', models: [{ name: 'mock-model', weight: 1 }] }] } },
    });
    // What the upstream itself reports for this request.
    const direct = await mockDirect(s.mock, 'anthropic', 'mock-model', { content: CONTENT });
    assert.equal(direct.status, 200, direct.text);
    const u = direct.json().usage;
    expected = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens + u.output_tokens;
    const estimate = chatTokens('cl100k_base', [{ role: 'user', content: CONTENT }]);  // what the gateway counts
    assert.notEqual(expected, estimate, 'the test cannot tell real usage from the estimate');
  });
  after(async () => { await s?.stop(); });

  // The minute window of `key`, once it holds `want` (settling follows the
  // answer; polled rather than assumed instantaneous).
  async function settledMinute(key, want) {
    let last;
    for (let i = 0; i < 50; i += 1) {
      const r = await get(s.u('/api/admin/health'));
      assert.equal(r.status, 200, r.text);
      last = r.json().tokens.find((t) => t.key === key);
      if (last?.last_minute === want) return last.last_minute;
      await delay(100);
    }
    return last?.last_minute;
  }

  it('a non-streamed answer: the window holds input + output tokens', async () => {
    const r = await post(s.u(MESSAGES), messagesBody(CONTENT, { model: 'anth/mock-model' }), { headers: AHEADERS });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().content[0].text, `You said: ${CONTENT}`);
    assert.equal(await settledMinute('anth/mock-model', expected), expected);
  });

  it('a streamed answer: message_start input + the last message_delta output', async () => {
    const r = await stream(s.u(MESSAGES), messagesBody(CONTENT, { model: 'anths/mock-model', stream: true }),
      { headers: AHEADERS });
    assert.equal(r.status, 200, r.text);
    assert.equal(anthropicTextOf(r.events), `You said: ${CONTENT}`);
    assert.equal(r.events.at(-1).event, 'message_stop');
    assert.equal(await settledMinute('anths/mock-model', expected), expected);
  });

  it('through a rotation, streamed then not: the window adds both real usages', async () => {
    const streamed = await stream(s.u(MESSAGES), messagesBody(CONTENT, { model: 'rotation/arot', stream: true }),
      { headers: AHEADERS });
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(await settledMinute('anthr/mock-model', expected), expected);
    const plain = await post(s.u(MESSAGES), messagesBody(CONTENT, { model: 'rotation/arot' }), { headers: AHEADERS });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(await settledMinute('anthr/mock-model', 2 * expected), 2 * expected);
  });
});
