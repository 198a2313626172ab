// usage.effective_context (issue 10): every answer's usage carries the
// gateway's own count of the prompt as it went upstream (after
// condensation), with the chat rule in the upstream model's encoding: the
// figure POST /api/v1/tokenize gives for the same messages and model. OpenAI
// and Anthropic ingress, passthrough (spliced into the upstream's bytes)
// and translated, whole and streamed, legacy completions; a condensed
// request reports the condensed count; the usage row stores the figure.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, stream, delay, usageCsvRows, tmpDir, eventJson, contentOf, mockProvider, typedProvider, model, ANTHROPIC_VERSION,
  COLOURS, colourConversation,
} from './harness.mjs';

const CHAT = '/api/v1/chat/completions';
const MESSAGES = '/api/v1/messages';
const COMPLETIONS = '/api/v1/completions';
const ANTHROPIC = { 'anthropic-version': ANTHROPIC_VERSION };

// Counted differently by cl100k and o200k.
const MESSAGES_IN = [
  { role: 'user', content: 'Tokenizers differ: 東京の天気は晴れです 👩‍👩‍👧 — naïve café, 1234567 items.' },
  { role: 'assistant', content: 'Noted.' },
  { role: 'user', content: 'And what comes next?' },
];


const providers = (url) => ({
  mock: mockProvider(url, {
    models: [model('mock-model'), model('gpt-4o'),
      model('window-model', { context_size: 2000, condense_context: 50, condense_method: 'sliding_window' })],
  }),
  anthropic: typedProvider('anthropic', url, { models: [model('claude-mock')] }),
});

describe('effective_context', { timeout: 90000 }, () => {
  let s;
  before(async () => { s = await startStack({ providers }); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  // What /api/v1/tokenize says for these messages on this model id.
  async function tokenized(modelId, messages) {
    const r = await post(s.u('/api/v1/tokenize'), { model: modelId, messages });
    assert.equal(r.status, 200, r.text);
    return r.json().tokens;
  }

  const usageRows = () => usageCsvRows(s);

  // An Anthropic request whole, then streamed: the response's usage and
  // the one message_delta's carry `want`.
  async function anthropicFigures(modelId, want) {
    const body = { model: modelId, max_tokens: 100, messages: MESSAGES_IN };
    const res = await post(s.u(MESSAGES), body, { headers: ANTHROPIC });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().usage.effective_context, want, res.text);
    const streamed = await stream(s.u(MESSAGES), { ...body, stream: true }, { headers: ANTHROPIC });
    assert.equal(streamed.status, 200, streamed.raw);
    const delta = streamed.events.filter((e) => e.event === 'message_delta').map((e) => JSON.parse(e.data));
    assert.equal(delta.length, 1, streamed.raw);
    assert.equal(delta[0].usage.effective_context, want);
    return { res, streamed };
  }

  // Waits for `n` rows in all, and returns the last.
  async function lastRow(n) {
    let rows = [];
    for (const until = Date.now() + 5000; Date.now() < until; await delay(20)) {
      rows = await usageRows();
      if (rows.length >= n) break;
    }
    assert.equal(rows.length, n, JSON.stringify(rows));
    return rows.at(-1);
  }

  it('OpenAI passthrough, whole: spliced into the upstream usage, and stored in the usage row', async () => {
    const rowsBefore = (await usageRows()).length;
    const want = await tokenized('mock/mock-model', MESSAGES_IN);
    const res = await post(s.u(CHAT), { model: 'mock/mock-model', messages: MESSAGES_IN });
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    assert.equal(body.usage.effective_context, want, res.text);
    // The upstream's own counts are untouched (the mock counts words).
    const words = MESSAGES_IN.map((m) => m.content.split(/\s+/).length).reduce((a, b) => a + b);
    assert.equal(body.usage.prompt_tokens, words);
    // Only the usage object changed: the rest is the upstream's bytes.
    assert.match(res.text, /,"effective_context":\d+\}/);
    const row = await lastRow(rowsBefore + 1);
    assert.equal(row.route, 'chat');
    assert.equal(Number(row.effective_context), want);

    // The encoding follows the upstream model: gpt-4o counts in o200k.
    const want4o = await tokenized('mock/gpt-4o', MESSAGES_IN);
    assert.notEqual(want4o, want);
    const res4o = await post(s.u(CHAT), { model: 'mock/gpt-4o', messages: MESSAGES_IN });
    assert.equal(res4o.json().usage.effective_context, want4o, res4o.text);
  });

  it('OpenAI passthrough, streamed: in the usage chunk when asked, other chunks as sent', async () => {
    const want = await tokenized('mock/mock-model', MESSAGES_IN);
    const body = { model: 'mock/mock-model', messages: MESSAGES_IN, stream: true, stream_options: { include_usage: true } };
    const res = await stream(s.u(CHAT), body);
    assert.equal(res.status, 200, res.raw);
    const chunks = eventJson(res.events);
    const withUsage = chunks.filter((c) => c.usage);
    assert.equal(withUsage.length, 1, res.raw);
    assert.equal(withUsage[0].usage.effective_context, want);
    assert.equal(res.raw.match(/effective_context/g).length, 1);
    assert.equal(res.events.at(-1).data, '[DONE]');
    assert.ok(contentOf(res.events).length > 0);

    // Not asked: no usage chunk, nothing invented; the row still has the figure.
    const rowsBefore = (await usageRows()).length;
    const plain = await stream(s.u(CHAT), { model: 'mock/mock-model', messages: MESSAGES_IN, stream: true });
    assert.equal(plain.status, 200, plain.raw);
    assert.doesNotMatch(plain.raw, /effective_context|"usage":\{/);
    const row = await lastRow(rowsBefore + 1);
    assert.equal(row.streamed, 'true');
    assert.equal(row.tokens_estimated, 'true');
    assert.equal(Number(row.effective_context), want);
    // Unreported usage is estimated from the prompt as sent.
    assert.equal(Number(row.prompt_tokens), want);
  });

  it('OpenAI ingress to an Anthropic upstream (translated), whole and streamed', async () => {
    const want = await tokenized('anthropic/claude-mock', MESSAGES_IN);
    const res = await post(s.u(CHAT), { model: 'anthropic/claude-mock', messages: MESSAGES_IN });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().usage.effective_context, want, res.text);
    const streamed = await stream(s.u(CHAT), {
      model: 'anthropic/claude-mock', messages: MESSAGES_IN, stream: true, stream_options: { include_usage: true },
    });
    assert.equal(streamed.status, 200, streamed.raw);
    const usage = eventJson(streamed.events).filter((c) => c.usage);
    assert.equal(usage.length, 1, streamed.raw);
    assert.equal(usage[0].usage.effective_context, want);
  });

  it('Anthropic ingress to an OpenAI upstream (translated): response usage and message_delta', async () => {
    const want = await tokenized('mock/mock-model', MESSAGES_IN);
    await anthropicFigures('mock/mock-model', want);
  });

  it('Anthropic passthrough: spliced into the response usage and message_delta only', async () => {
    const want = await tokenized('anthropic/claude-mock', MESSAGES_IN);
    const { res, streamed } = await anthropicFigures('anthropic/claude-mock', want);
    assert.ok(res.json().usage.input_tokens > 0);  // the upstream's counts stay
    const start = streamed.events.find((e) => e.event === 'message_start');
    assert.equal(JSON.parse(start.data).message.usage.effective_context, undefined);
    assert.equal(streamed.raw.match(/effective_context/g).length, 1);
    assert.equal(streamed.events.at(-1).event, 'message_stop');
  });

  it('a large prompt (counted off the event loop) reports the same figure, whole and streamed', async () => {
    // ~200 KB: past the 64 KiB at which the count goes to the count pool.
    const big = Array.from({ length: 20000 }, (_, i) => `w${i % 977} ${COLOURS[i % 10]}`).join(' ');
    const messages = [{ role: 'user', content: big }, { role: 'user', content: 'Sum it up.' }];
    assert.ok(JSON.stringify(messages).length > 128 * 1024);
    const want = await tokenized('mock/mock-model', messages);
    const res = await post(s.u(CHAT), { model: 'mock/mock-model', messages });
    assert.equal(res.status, 200, res.text.slice(0, 500));
    assert.equal(res.json().usage.effective_context, want);
    const streamed = await stream(s.u(MESSAGES), { model: 'anthropic/claude-mock', max_tokens: 10, messages, stream: true },
      { headers: ANTHROPIC });
    assert.equal(streamed.status, 200, streamed.raw.slice(0, 500));
    const delta = streamed.events.filter((e) => e.event === 'message_delta').map((e) => JSON.parse(e.data));
    assert.equal(delta[0].usage.effective_context, await tokenized('anthropic/claude-mock', messages));
  });

  it('legacy completions: the prompt as one user message', async () => {
    const prompt = 'Say this is a test: 東京 👩‍👩‍👧';
    const want = await tokenized('mock/mock-model', [{ role: 'user', content: prompt }]);
    const res = await post(s.u(COMPLETIONS), { model: 'mock/mock-model', prompt });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().usage.effective_context, want, res.text);
  });

  it('a condensed request reports the condensed count, in the answer and the row', async () => {
    const messages = colourConversation(10);
    const original = await tokenized('mock/window-model', messages);
    const rowsBefore = (await usageRows()).length;
    const res = await post(s.u(CHAT), { model: 'mock/window-model', messages });
    assert.equal(res.status, 200, res.text);
    const [, before, after] = res.headers['x-aisbf-condensed'].match(/before=(\d+); after=(\d+)$/);
    assert.equal(Number(before), original);
    assert.ok(Number(after) < original, `${before} → ${after}`);
    assert.equal(res.json().usage.effective_context, Number(after));
    // What went upstream counts to that figure too.
    const [sent] = (await s.mock.chatRequests()).filter((q) => JSON.parse(q.body).model === 'window-model');
    assert.equal(await tokenized('mock/window-model', JSON.parse(sent.body).messages), Number(after));
    const row = await lastRow(rowsBefore + 1);
    assert.equal(Number(row.effective_context), Number(after));

    // Streamed, no usage asked: the row's estimated prompt is the condensed count.
    const streamed = await stream(s.u(CHAT), { model: 'mock/window-model', messages, stream: true });
    assert.equal(streamed.status, 200, streamed.raw);
    const srow = await lastRow(rowsBefore + 2);
    assert.equal(srow.tokens_estimated, 'true');
    assert.equal(Number(srow.prompt_tokens), Number(after));
    assert.equal(Number(srow.effective_context), Number(after));
  });
});

// Without the tokenizer's files the gateway still serves, uncounted, and
// says so once: a line per request would grow the log with the traffic.
describe('effective_context without a tokenizer', { timeout: 60000 }, () => {
  let s;
  before(async () => { s = await startStack({ env: { AISBF_TOKENIZER_DIR: tmpDir('aisbf-no-tokenizer-') } }); });
  after(async () => { await s?.stop(); });

  it('requests are served and the missing tokenizer is logged once', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await post(s.u(CHAT), { model: 'mock/mock-model', messages: MESSAGES_IN });
      assert.equal(r.status, 200, r.text);
    }
    const log = s.gw.stdout + s.gw.stderr;
    const lines = log.split('\n').filter((l) => /tokenizer (cl100k_base|o200k_base):/.test(l));
    assert.equal(lines.length, 1, log.slice(-3000));
    assert.doesNotMatch(log, /prompt tokens not counted/);
  });
});
