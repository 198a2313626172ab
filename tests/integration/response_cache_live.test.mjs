// Coalesced streams through the binary (issue 12): identical concurrent
// streaming requests follow the first one's stream as it arrives. The mock
// holds the upstream stream after its first content (`fault-hold-N`) until
// the test releases it, so the tests assert ORDER, never timing: each
// follower has content while the one upstream stream is still held open.
// Then: a leader whose upstream stream fails or is cut (followers that
// started end with an error event), a leader whose client leaves (the same
// for started followers; one that had not started runs on its own), and a
// non-streaming follower of a streaming leader (a whole JSON answer).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStack, get, post, streamRequest, chatBody, messagesBody, contentOf, eventJson, anthropicTextOf,
  typedProvider, mockProvider, upstreamChatRequests, delay, model, assertStreamEndsWithError,
  assertAnthropicStreamEndsWithError, usageCsvRows, ANTHROPIC_VERSION, MOCK_MODELS,
} from './harness.mjs';

const LONG = 120000;  // a safety net only: every wait below ends on an event
const anthropicHeaders = { 'anthropic-version': ANTHROPIC_VERSION };
let unique = 0;
const fresh = (label) => `${label} with a few more words to stream ${process.pid} ${++unique}`;

// OpenAI upstream: role chunk + first content chunk, then held. Anthropic
// upstream: message_start, content_block_start, ping, first text delta.
const HELD_MODELS = ['fault-hold-2', 'fault-hold-4', 'fault-cut-fault-hold-2', 'fault-stream-error-fault-hold-2'];

async function upstreamCalls(s) { return (await upstreamChatRequests(s.mock)).length; }
async function held(s) { return (await get(s.mock.u('/__mock/held'))).json().held; }
async function waitHeld(s, n) {
  while (await held(s) !== n) await delay(10);
}
async function release(s) { return (await post(s.mock.u('/__mock/release'), undefined)).json().released; }

const openaiContent = (ev) => ev.data !== '[DONE]' && !!JSON.parse(ev.data).choices?.[0]?.delta?.content;
const anthropicContent = (ev) => ev.event === 'content_block_delta';

// A streaming request; `firstContent` resolves at its first content event.
function watched(url, body, { headers = {}, isContent = openaiContent } = {}) {
  let seen;
  const firstContent = new Promise((resolve) => { seen = resolve; });
  const s = streamRequest(url, body, {
    headers, timeoutMs: LONG, onEvent: (ev) => { if (isContent(ev)) seen(ev); },
  });
  return { done: s.done, firstContent, req: s.req };
}

// The leader's stream, held upstream after its first content; `followers`
// identical streams, each with content while it is still held (and `more`'s
// requests, started then); then released. Resolves the streams' results.
async function coalesce(s, url, body, { followers = 3, opts = {}, more = () => ({}) } = {}) {
  const leader = watched(url, body, opts);
  await waitHeld(s, 1);
  const live = Array.from({ length: followers }, () => watched(url, body, opts));
  const extra = more();
  await Promise.all([leader, ...live, ...(extra.live ?? [])].map((f) => f.firstContent));
  assert.equal(await held(s), 1, 'every follower had content while the upstream stream was held');
  assert.equal(await release(s), 1);
  const [first, ...rest] = await Promise.all([leader, ...live].map((f) => f.done));
  return { leader: first, followers: rest, extra };
}

describe('coalesced streams', { timeout: 300000 }, () => {
  let s;
  before(async () => {
    const models = [...MOCK_MODELS, ...HELD_MODELS].map((m) => model(m));
    s = await startStack({
      aisbf: { response_cache: { enabled: true, backend: 'memory', ttl: 600 }, routing: { failure_threshold: 100 } },
      providers: (u) => ({
        mock: mockProvider(u, { models }),
        claude: typedProvider('anthropic', u, { id: 'claude', models }),
        // The same upstream with the response cache off for its answers.
        mocknc: mockProvider(u, { id: 'mocknc', models, enable_response_cache: false }),
      }),
      rotations: {
        holdrot: { providers: [{ provider_id: 'mock', models: [{ name: 'fault-hold-2', weight: 1 }] }] },
        ncrot: { providers: [{ provider_id: 'mocknc', models: [{ name: 'fault-hold-2', weight: 1 }] }] },
      },
    });
  });
  after(async () => {
    if (s) await release(s).catch(() => {});
    await s?.stop();
  });

  it('OpenAI: followers stream the leader\'s answer while its upstream stream is still open', async () => {
    const text = fresh('live openai');
    const body = chatBody(text, { model: 'mock/fault-hold-2', temperature: 0, stream: true,
      stream_options: { include_usage: true } });
    const before = await upstreamCalls(s);
    const stats0 = (await get(s.u('/api/admin/cache/stats'))).json();
    const { leader: l, followers: rest, extra } = await coalesce(s, s.u('/v1/chat/completions'), body, {
      followers: 4,
      more: () => ({
        // Without include_usage: the same stream, without the usage chunk.
        live: [watched(s.u('/v1/chat/completions'), { ...body, stream_options: undefined })],
        // Not streaming: it waits for the kept answer.
        whole: post(s.u('/v1/chat/completions'), { ...body, stream: false, stream_options: undefined },
          { timeoutMs: LONG }),
      }),
    });
    assert.equal(l.headers['x-aisbf-cache'], 'miss');
    const ids = new Set();
    for (const r of [l, ...rest]) {
      assert.equal(r.status, 200, r.raw);
      assert.equal(contentOf(r.events), `You said: ${text}`, r.raw);
      assert.equal(r.events.at(-1).data, '[DONE]', r.raw);
      const usage = eventJson(r.events).find((c) => c.usage)?.usage;
      assert.ok(usage && usage.completion_tokens > 0, r.raw);
      ids.add(eventJson(r.events)[0].id);
    }
    for (const r of rest) assert.equal(r.headers['x-aisbf-cache'], 'hit');
    assert.equal(ids.size, 5, 'each answer has its own id');

    const p = await extra.live[0].done;
    assert.equal(p.headers['x-aisbf-cache'], 'hit');
    assert.equal(contentOf(p.events), `You said: ${text}`);
    assert.equal(p.events.at(-1).data, '[DONE]');
    assert.ok(!eventJson(p.events).some((c) => c.usage), p.raw);

    const w = await extra.whole;
    assert.equal(w.status, 200, w.text);
    assert.equal(w.headers['x-aisbf-cache'], 'hit');
    assert.equal(w.json().choices[0].message.content, `You said: ${text}`);
    assert.ok(w.json().usage.completion_tokens > 0);
    assert.equal(await upstreamCalls(s), before + 1);
    const stats = (await get(s.u('/api/admin/cache/stats'))).json();
    assert.deepEqual([stats.hits - stats0.hits, stats.misses - stats0.misses], [6, 1], JSON.stringify(stats));
    // The five live followers shared the call for sure; the whole one too unless it came after the answer was kept.
    assert.ok(stats.coalesced - stats0.coalesced >= 5, JSON.stringify(stats));
  });

  it("a rotation's live followers name the candidate that answered in their usage rows", async () => {
    const text = fresh('live rotation');
    const body = chatBody(text, { model: 'rotation/holdrot', temperature: 0, stream: true,
      stream_options: { include_usage: true } });
    const { leader: l, followers: rest } = await coalesce(s, s.u('/v1/chat/completions'), body, { followers: 2 });
    for (const r of [l, ...rest]) assert.equal(contentOf(r.events), `You said: ${text}`, r.raw);
    assert.deepEqual([l, ...rest].map((r) => r.headers['x-aisbf-cache']), ['miss', 'hit', 'hit']);
    const rows = (await usageCsvRows(s)).filter((row) => row.rotation === 'holdrot');
    assert.equal(rows.length, 3, JSON.stringify(rows));
    for (const row of rows) {
      assert.equal(row.provider, 'mock', JSON.stringify(row));
      assert.equal(row.model, 'fault-hold-2', JSON.stringify(row));
    }
    assert.deepEqual(rows.map((row) => row.attempts).sort(), ['0', '0', '1']);
  });

  it("a rotation's candidate with the cache off: its stream is not shared, the other request calls on its own", async () => {
    const text = fresh('no sharing');
    const body = chatBody(text, { model: 'rotation/ncrot', temperature: 0, stream: true,
      stream_options: { include_usage: true } });
    const before = await upstreamCalls(s);
    const leader = watched(s.u('/v1/chat/completions'), body);
    await waitHeld(s, 1);
    const other = watched(s.u('/v1/chat/completions'), body);
    // Were it shared, the other would have the leader's first content by
    // now, while the upstream stream is held; it waits for the leader's
    // verdict instead (nothing to keep), then calls on its own.
    await delay(300);
    assert.equal(await release(s), 1);
    const l = await leader.done;
    assert.equal(contentOf(l.events), `You said: ${text}`, l.raw);
    await waitHeld(s, 1);
    assert.equal(await release(s), 1);
    const o = await other.done;
    assert.equal(contentOf(o.events), `You said: ${text}`, o.raw);
    assert.deepEqual([l.headers['x-aisbf-cache'], o.headers['x-aisbf-cache']], ['miss', 'miss']);
    assert.equal(await upstreamCalls(s), before + 2);
  });

  it('Anthropic clients: passthrough and translated streams are followed live', async () => {
    for (const target of ['claude/fault-hold-4', 'mock/fault-hold-2']) {
      const text = fresh(`live anthropic ${target}`);
      const body = { ...messagesBody(text, { model: target, temperature: 0 }), stream: true };
      const opts = { headers: anthropicHeaders, isContent: anthropicContent };
      const before = await upstreamCalls(s);
      const { leader: l, followers: rest } = await coalesce(s, s.u('/v1/messages'), body, { opts });
      assert.equal(l.headers['x-aisbf-cache'], 'miss');
      const ids = new Set();
      for (const r of [l, ...rest]) {
        assert.equal(r.status, 200, r.raw);
        assert.equal(anthropicTextOf(r.events), `You said: ${text}`, r.raw);
        assert.equal(r.events.at(-1).event, 'message_stop', r.raw);
        const delta = r.events.filter((e) => e.event === 'message_delta').map((e) => JSON.parse(e.data)).at(-1);
        assert.ok(delta?.usage?.output_tokens > 0, r.raw);
        ids.add(JSON.parse(r.events.find((e) => e.event === 'message_start').data).message.id);
      }
      for (const r of rest) assert.equal(r.headers['x-aisbf-cache'], 'hit', target);
      assert.equal(ids.size, 4, target);
      assert.equal(await upstreamCalls(s), before + 1, target);
    }
  });

  it('a leader whose upstream stream fails or is cut: started followers end with an error event', async () => {
    for (const fault of ['fault-stream-error-fault-hold-2', 'fault-cut-fault-hold-2']) {
      const text = fresh(`failing ${fault}`);
      const body = chatBody(text, { model: `mock/${fault}`, temperature: 0, stream: true });
      const before = await upstreamCalls(s);
      const { leader: l, followers: rest, extra } = await coalesce(s, s.u('/v1/chat/completions'), body, {
        // Not started (it waits for a whole answer): released, it tries on its own.
        more: () => ({ whole: post(s.u('/v1/chat/completions'), { ...body, stream: false }, { timeoutMs: LONG }) }),
      });
      const leaderError = assertStreamEndsWithError(l);
      for (const r of rest) {
        assert.equal(r.headers['x-aisbf-cache'], 'hit', fault);
        const e = assertStreamEndsWithError(r);
        assert.equal(e.message, leaderError.message, fault);  // the leader's own error, in the follower's stream
      }
      const w = await extra.whole;
      assert.ok(w.status >= 500, `${fault}: ${w.status} ${w.text}`);
      assert.equal(await upstreamCalls(s), before + 2, fault);  // the leader's call and the released one's
    }
  });

  it("a leader whose client leaves: started followers end with an error, one not started runs on its own", async () => {
    const text = fresh('leader leaves');
    const body = chatBody(text, { model: 'mock/fault-hold-2', temperature: 0, stream: true,
      stream_options: { include_usage: true } });
    const before = await upstreamCalls(s);
    const leader = watched(s.u('/v1/chat/completions'), body);
    await waitHeld(s, 1);
    const followers = Array.from({ length: 2 }, () => watched(s.u('/v1/chat/completions'), body));
    const whole = post(s.u('/v1/chat/completions'), { ...body, stream: false, stream_options: undefined },
      { timeoutMs: LONG });
    await Promise.all([leader, ...followers].map((f) => f.firstContent));
    leader.req.destroy();
    await leader.done.catch(() => {});
    for (const r of await Promise.all(followers.map((f) => f.done))) {
      const e = assertStreamEndsWithError(r);
      assert.equal(e.code, 'coalesced_stream_cut', r.raw);
    }
    // The upstream call went with the leader's client: nothing is held now.
    await waitHeld(s, 0);
    const w = await whole;
    assert.equal(w.status, 200, w.text);
    assert.equal(w.headers['x-aisbf-cache'], 'miss');
    assert.equal(w.json().choices[0].message.content, `You said: ${text}`);
    assert.equal(await upstreamCalls(s), before + 2);
  });
});
