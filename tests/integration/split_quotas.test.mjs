// Quotas and request splitting (issue 10): a split request reserves once and
// settles once with every chunk's usage, before the joined answer's last
// bytes (QuotaTap::defer_answered, settle_deferred); chunks
// answered upstream before a later chunk failed are charged, once, even when
// the client saw nothing of them (QuotaTap::add_failed_attempt); a client
// that leaves mid-split stops the chunks and leaves no reservation behind.
//
// The ledger's counters are not in any API, so each test reads the user's
// day spend S off the admission edge: with tokens_per_day L, a probe whose
// estimate (its counted prompt plus max_tokens) is L − S + 1 is refused and
// one of L − S is admitted. That pins S exactly, and the mock counts words,
// so S is known from what the mock received.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, post, streamRequest, usageCsvRows, eventJson, assertError, mockProvider, model, delay,
  createUser, createToken, bearer, assertStreamEndsWithError, contentOf,
} from './harness.mjs';

const GLOBAL = 'global-token-sq';
const admin = bearer(GLOBAL);
const CHAT = '/api/v1/chat/completions';
const LIMIT = 260;  // max_request_tokens: A, B and C below go one per chunk
const DAY_TOKENS = 20000;
const SYSTEM = 'You are terse.';
const WORDS = ['river', 'stone', 'cloud', 'market', 'signal', 'garden', 'engine', 'paper', 'window', 'silver',
  'orange', 'forest', 'letter', 'bridge', 'planet', 'candle', 'mirror', 'harbor', 'ticket', 'winter'];
// About 150 tokens each: two never fit one chunk beside the system prompt.
const words = (tag) => [`${tag}:`, ...Array.from({ length: 145 }, (_, i) => WORDS[(i * 7 + tag.length * 3 + i * i) % WORDS.length])].join(' ');
const [A, B, C] = [words('Alpha'), words('Bravo'), words('Charlie')];
const conversation = [{ role: 'system', content: SYSTEM }, ...[A, B, C].map((t) => ({ role: 'user', content: t }))];

// The mock's counts (tools/mock/README.md): prompt = words of every message,
// completion = words of "You said: <the last user message>".
const wordCount = (s) => s.split(/\s+/).filter(Boolean).length;
const promptWords = (body) => body.messages.reduce((n, m) => n + wordCount(m.content), 0);
const answerWords = (body) => wordCount(`You said: ${body.messages.at(-1).content}`);
const spentOn = (body) => promptWords(body) + answerWords(body);

// The mock's `flaky-50` draws with --seed 26: the first request is
// answered, the second gets fault-500 (tools/mock/faults.cpp, splitmix64).
// Each test that asks `flaky` starts its own mock, so the draws are its own.
const FLAKY = 'split-flaky-50';
const FLAKY_SEED = '26';
// Slow enough that a client leaving after the first text is seen while the
// first chunk is still streaming (its ~45 pieces come 250 ms apart).
const SLOW = 'split-fault-slow-250';

const providers = (url) => ({
  mock: mockProvider(url, {
    models: [FLAKY, SLOW, 'mock-model'].map((m) => model(m, { max_request_tokens: LIMIT })),
  }),
  whole: mockProvider(url, { id: 'whole', models: [model('mock-model')] }),
});
// The flaky splitting candidate first, the whole-request one only as a
// backup (weight 0: tried when no weighted candidate is left).
const rotations = {
  failover: { model_name: 'failover', providers: [
    { provider_id: 'mock', models: [{ name: FLAKY, weight: 1 }] },
    { provider_id: 'whole', models: [{ name: 'mock-model', weight: 0 }] },
  ] },
};

async function startSplitStack(mockArgs = []) {
  return startStack({
    auth: { enabled: true, tokens: [GLOBAL] }, providers, rotations, mockArgs,
    // Failed chunks must not cool the flaky model down between tests.
    aisbf: { routing: { failure_threshold: 100 } },
  });
}

// A new user (so a new ledger subject) with a day's token budget and one
// concurrent slot: a reservation left held would refuse the next request.
let users = 0;
async function newUser(stack, quotas = { tokens_per_day: DAY_TOKENS, max_concurrent: 1 }) {
  const username = `split${++users}`;
  await createUser(stack.url, admin, { username, quotas });
  return { username, headers: bearer((await createToken(stack.url, admin, username)).token) };
}

// Pins the user's day spend at `spent` (see the top of the file). The
// admitted probe spends 4 more tokens upstream ("probe" / "You said: probe").
// `settling`: the request before may still hold its concurrent slot; the
// refused probe is asked again until it is refused for the tokens instead
// (a refused probe charges nothing).
async function assertSpent(stack, headers, spent, what, { settling = false } = {}) {
  const messages = [{ role: 'user', content: 'probe' }];
  const counted = await post(stack.u('/api/v1/tokenize'), { model: 'whole/mock-model', messages }, { headers: admin });
  assert.equal(counted.status, 200, counted.text);
  const room = DAY_TOKENS - spent - counted.json().tokens;
  const ask = (maxTokens) => post(stack.u(CHAT), { model: 'whole/mock-model', messages, max_tokens: maxTokens }, { headers });
  let over = await ask(room + 1);
  for (let i = 0; settling && over.status === 429 && /max_concurrent/.test(over.text); ++i) {
    assert.ok(i < 400, `${what}: the concurrent slot was never given back`);
    await delay(25);
    over = await ask(room + 1);
  }
  assertError(over, 429, 'quota_exceeded');
  assert.match(over.json().error.message, /tokens_per_day/, `${what}: ${over.text}`);
  const within = await ask(room);
  assert.equal(within.status, 200, `${what}: the user's spend is above ${spent}: ${within.text}`);
}

const chatRequests = async (stack) => (await stack.mock.chatRequests()).map((q) => ({ ...JSON.parse(q.body), fault: q.fault }));

describe('quotas on split requests', { timeout: 180000 }, () => {
  let s;
  before(async () => { s = await startSplitStack(); });
  after(async () => { await s?.stop(); });
  beforeEach(async () => { await s.mock.reset(); });

  it('a split answered whole is charged once with every chunk\'s prompt and completion', async () => {
    const { headers } = await newUser(s);
    const r = await post(s.u(CHAT), { model: 'mock/mock-model', messages: conversation }, { headers });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().aisbf_chunks, 3);
    const chunks = await chatRequests(s);
    assert.deepEqual(chunks.map((b) => b.messages.at(-1).content), [A, B, C]);
    const spent = chunks.reduce((n, b) => n + spentOn(b), 0);
    assert.equal(r.json().usage.total_tokens, spent);
    await assertSpent(s, headers, spent, 'not streamed');
  });

  it('a streamed split is charged once with every chunk\'s prompt and completion', async () => {
    const { headers } = await newUser(s);
    const res = await streamRequest(s.u(CHAT), {
      model: 'mock/mock-model', messages: conversation, stream: true, stream_options: { include_usage: true },
    }, { headers }).done;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.events.at(-1).data, '[DONE]');
    const chunks = await chatRequests(s);
    assert.equal(chunks.length, 3);
    const spent = chunks.reduce((n, b) => n + spentOn(b), 0);
    const usages = eventJson(res.events).filter((e) => e.usage);
    assert.equal(usages.length, 1);
    assert.equal(usages[0].usage.total_tokens, spent);
    await assertSpent(s, headers, spent, 'streamed');
  });

  // The split settles before the joined answer's last bytes, as any request
  // does (quota_gate.hpp), not after them: a client that asks again the
  // moment it is answered finds its one slot free.
  it('back-to-back split requests each find the one concurrent slot free', async () => {
    const { headers } = await newUser(s, { max_concurrent: 1 });
    for (let i = 0; i < 40; ++i) {
      const r = await post(s.u(CHAT), { model: 'mock/mock-model', messages: conversation, stream: i % 2 === 1 }, { headers });
      assert.equal(r.status, 200, `${i}: ${r.text}`);
    }
    assert.equal((await s.mock.chatRequests()).length, 40 * 3);
  });
});

describe('quotas when a split fails or is left', { timeout: 180000 }, () => {
  // A stack of its own per test: the flaky draws start from the seed.
  let s;
  beforeEach(async () => { s = await startSplitStack(['--seed', FLAKY_SEED]); });
  afterEach(async () => { await s?.stop(); s = undefined; });

  // Chunk 1 answered, chunk 2 refused with a 500 (the seed's draws), as the mock recorded them.
  async function failedSplit() {
    const sent = await chatRequests(s);
    const flaky = sent.filter((b) => b.model === FLAKY);
    assert.deepEqual(flaky.map((b) => [b.messages.at(-1).content, b.fault]), [[A, null], [B, 'fault-500']]);
    return { chunk1: flaky[0], others: sent.filter((b) => b.model !== FLAKY) };
  }

  it('a rotation: chunk 2 fails before any byte, the backup answers; chunk 1 and the backup are charged', async () => {
    const { headers } = await newUser(s);
    const r = await post(s.u(CHAT), { model: 'rotation/failover', messages: conversation }, { headers });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-aisbf-attempts'], '2');
    assert.equal(r.json().choices[0].message.content, `You said: ${C}`);
    assert.equal(r.json().aisbf_chunks, undefined);  // the backup took it whole
    const { chunk1, others } = await failedSplit();
    assert.equal(others.length, 1);
    assert.equal(others[0].model, 'mock-model');
    assert.deepEqual(others[0].messages, conversation);
    await assertSpent(s, headers, spentOn(chunk1) + spentOn(others[0]), 'failover');
  });

  it('no other candidate: the client gets the error, chunk 1 is charged once', async () => {
    const { headers } = await newUser(s);
    const r = await post(s.u(CHAT), { model: `mock/${FLAKY}`, messages: conversation }, { headers });
    assert.ok(r.status >= 500, r.text);
    const { chunk1, others } = await failedSplit();
    assert.equal(others.length, 0);
    await assertSpent(s, headers, spentOn(chunk1), 'direct');
  });

  it('streamed: chunk 1 reached the client, chunk 2 fails; the stream ends with the error, chunk 1 is charged', async () => {
    const { headers } = await newUser(s);
    const res = await streamRequest(s.u(CHAT), {
      model: 'rotation/failover', messages: conversation, stream: true, stream_options: { include_usage: true },
    }, { headers }).done;
    assertStreamEndsWithError(res);
    assert.equal(contentOf(res.events.slice(0, -1)), `You said: ${A}`);
    const { chunk1, others } = await failedSplit();
    assert.equal(others.length, 0);  // no failover after the first byte
    await assertSpent(s, headers, spentOn(chunk1), 'streamed');
  });

  it('the client leaves during chunk 1: no further chunk is sent, the quota is settled, the next request admitted', async () => {
    const { username, headers } = await newUser(s);
    const call = streamRequest(s.u(CHAT), { model: `mock/${SLOW}`, messages: conversation, stream: true }, {
      headers, timeoutMs: 60000,
      onEvent: (ev, req) => {
        if (ev.data !== '[DONE]' && JSON.parse(ev.data).choices?.[0]?.delta?.content) req.destroy();
      },
    });
    const left = await call.done.catch((e) => ({ error: e }));
    assert.ok(left.aborted || left.error, 'the client was meant to leave mid-stream');
    const [chunk1] = await chatRequests(s);
    assert.equal(chunk1.messages.at(-1).content, A);
    // No usage came back for the cut chunk: the quota settles on its prompt
    // as sent, as the gateway counted it (quota_gate.cpp), without completion.
    const counted = await post(s.u('/api/v1/tokenize'), { model: `mock/${SLOW}`, messages: chunk1.messages }, { headers: admin });
    assert.equal(counted.status, 200, counted.text);
    // The split settles once its chunks are over, so once the slot is free
    // every chunk it would send has been sent: chunk 1 alone.
    await assertSpent(s, headers, counted.json().tokens, 'left', { settling: true });
    const slow = (await chatRequests(s)).filter((b) => b.model === SLOW);
    assert.equal(slow.length, 1, JSON.stringify(slow.map((b) => b.messages.at(-1).content.slice(0, 12))));
    await s.mock.waitStats((st) => st.aborted === 1, 10000);  // the upstream call was cut, not finished
    const rows = (await usageCsvRows(s, admin)).filter((r) => r.username === username && r.model === SLOW);
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.equal(rows[0].aborted, 'true', JSON.stringify(rows[0]));
    assert.equal(rows[0].attempts, '1', JSON.stringify(rows[0]));
    assert.equal(Number(rows[0].effective_context), counted.json().tokens, JSON.stringify(rows[0]));
    assert.ok(s.gw.running, 'the gateway is still running');
  });
});
